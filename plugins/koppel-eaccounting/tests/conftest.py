"""Fixtures for the eAccounting plugin's tests: a sandbox on a fake clock and a connection to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from koppel.http import FakeClock
from koppel.sandbox import attach_sandbox
from koppel.sync import Connection
from koppel_eaccounting.client import EAccountingClient
from koppel_eaccounting.plugin import connector
from koppel_eaccounting.sandbox import CLIENT_ID, CLIENT_SECRET, EAccountingSandbox, make_sandbox

SECRETS = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


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
def sandbox(clock: FakeClock) -> EAccountingSandbox:
    return make_sandbox(0, clock=clock)


def connect(
    sandbox: EAccountingSandbox, clock: FakeClock, *, name: str = "shop", **settings: Any
) -> Connection:
    """A connection to ``sandbox`` with a granted token, on the sandbox's ``clock``."""
    connection = Connection(
        name=name, system="eaccounting", settings=settings, secrets=dict(SECRETS)
    )
    return attach_sandbox(connection, sandbox)


def client_of(connection: Connection) -> EAccountingClient:
    """The client of ``connection`` for this run, as the connector builds it."""
    client: EAccountingClient = connector.session(connection).client
    return client


@pytest.fixture
def connection(sandbox: EAccountingSandbox, clock: FakeClock) -> Iterator[Connection]:
    connection = connect(sandbox, clock)
    yield connection
    connection.close()
