"""Fixtures for the AFAS plugin's tests: a sandbox on a fake clock and a connection to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from koppel.http import FakeClock
from koppel.sandbox import attach_sandbox
from koppel.sync import Connection
from koppel_afas.client import AfasClient
from koppel_afas.plugin import connector
from koppel_afas.sandbox import PARTICIPANT, TOKEN, AfasSandbox, make_sandbox

SECRETS = {"token": TOKEN}
SETTINGS = {"participant": PARTICIPANT, "article_group": "HORECA", "journal": "90"}


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture(autouse=True)
def _strict(koppel_strict_contracts: Any) -> None:
    """Every request a test makes to a sandbox is checked against the facts (facts.py)."""


@pytest.fixture
def vcr_config(koppel_vcr_config: dict[str, Any]) -> dict[str, Any]:
    return koppel_vcr_config


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> AfasSandbox:
    return make_sandbox(0, clock=clock)


def connect(
    sandbox: AfasSandbox,
    *,
    name: str = "afas",
    secrets: dict[str, str] | None = None,
    **settings: Any,
) -> Connection:
    """A connection to ``sandbox`` with the sandbox's token, on the sandbox's clock."""
    connection = Connection(
        name=name,
        system="afas",
        settings={**SETTINGS, **settings},
        secrets=dict(SECRETS if secrets is None else secrets),
    )
    return attach_sandbox(connection, sandbox)


def client_of(connection: Connection) -> AfasClient:
    """The client of ``connection`` for this run, as the connector builds it."""
    client: AfasClient = connector.session(connection).client
    return client


@pytest.fixture
def connection(sandbox: AfasSandbox) -> Iterator[Connection]:
    connection = connect(sandbox)
    yield connection
    connection.close()
