"""Fixtures for the Exact Online plugin's tests: a sandbox on a fake clock, a connection to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from koppel.http import FakeClock
from koppel.sandbox import attach_sandbox
from koppel.sync import Connection
from koppel_exact_online.client import ExactClient
from koppel_exact_online.plugin import connector
from koppel_exact_online.sandbox import ExactSandbox, make_sandbox

SECRETS = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}


#: Tests of the standard suite that send a request the API refuses, on purpose.
_BREAK_CONTRACTS = ("test_suite_rejection_is_record_error_with_api_message",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.name in _BREAK_CONTRACTS and "koppel-exact-online" in str(item.path):
            item.add_marker(pytest.mark.allow_contract_violations)


@pytest.fixture(autouse=True)
def _strict(koppel_strict_contracts: Any) -> None:
    """Every request of every test is checked against ``facts.API``."""


@pytest.fixture
def vcr_config(koppel_vcr_config: dict[str, Any]) -> dict[str, Any]:
    return koppel_vcr_config


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> ExactSandbox:
    return make_sandbox(seed=1, clock=clock)


def _connect(
    sandbox: ExactSandbox, clock: FakeClock, name: str = "exact", **settings: Any
) -> tuple[Connection, ExactClient]:
    """A connection to ``sandbox`` with a granted token, and its client on ``clock``."""
    connection = Connection(
        name=name, system="exact-online", settings=settings, secrets=dict(SECRETS)
    )
    attach_sandbox(connection, sandbox)
    connection.clock = clock
    return connection, connector.session(connection).client


@pytest.fixture
def connect() -> Callable[..., tuple[Connection, ExactClient]]:
    """``connect(sandbox, clock, name="exact", **settings)`` -> (connection, client)."""
    return _connect


@pytest.fixture
def connection(sandbox: ExactSandbox, clock: FakeClock) -> Connection:
    return _connect(sandbox, clock)[0]
