"""On PostgreSQL with workers, a run started from the API is a job for ``koppel worker``."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from koppel.flows import Flow
from koppel.state import StateStore
from koppel.web import create_app
from koppel.web._runs import workers_alive

from .conftest import bearer

pytest.importorskip("procrastinate")

FLOW = "erp-commitments"


@pytest.fixture
def store(koppel_state_store: StateStore) -> StateStore:
    if koppel_state_store.dialect != "postgresql":
        pytest.skip("the worker runs on PostgreSQL only")
    return koppel_state_store


@pytest.fixture
def app(store: StateStore, push_flow: Flow) -> FastAPI:
    return create_app(store, flows={FLOW: push_flow}, cookie_secure=False, use_worker=True)


@pytest.fixture
def jobs(store: StateStore) -> Iterator[list[int]]:
    """Job ids a test queued; deleted afterwards (the queue is shared by the tests)."""
    from koppel.worker import conninfo_of, ensure_schema

    ensure_schema(conninfo_of(store))
    queued: list[int] = []
    yield queued
    with psycopg.connect(conninfo_of(store)) as conn:
        conn.execute("DELETE FROM procrastinate_jobs WHERE id = ANY(%s)", (queued,))


def test_api_worker_run_is_queued_once(
    client: TestClient, operator_token: str, jobs: list[int]
) -> None:
    first = client.post(f"/api/flows/{FLOW}/runs", headers=bearer(operator_token))
    assert first.status_code == 202, first.text
    assert first.json()["via"] == "worker"
    job = first.json()["job"]
    assert isinstance(job, int)
    jobs.append(job)
    second = client.post(f"/api/flows/{FLOW}/runs", headers=bearer(operator_token))
    assert second.json() == {"flow": FLOW, "via": "worker", "job": None}


def test_api_worker_none_alive_on_a_fresh_store(store: StateStore) -> None:
    assert workers_alive(store) is False
