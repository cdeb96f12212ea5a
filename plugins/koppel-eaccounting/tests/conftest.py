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
from koppel_eaccounting.sandbox import CLIENT_ID, CLIENT_SECRET, EAccountingSandbox, make_sandbox
from koppel_eaccounting.session import CACHE_KEY, Session

SECRETS = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


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
    """A connection to ``sandbox`` with a granted token; its session's client runs on ``clock``."""
    connection = Connection(
        name=name, system="eaccounting", settings=settings, secrets=dict(SECRETS)
    )
    attach_sandbox(connection, sandbox)
    use_clock(connection, clock)
    return connection


def use_clock(connection: Connection, clock: FakeClock) -> Session:
    """Give ``connection`` a session whose client waits on ``clock`` instead of real time."""
    session = Session(
        EAccountingClient.for_connection(connection, clock=clock), connection=connection
    )
    connection.cache[CACHE_KEY] = session
    return session


@pytest.fixture
def connection(sandbox: EAccountingSandbox, clock: FakeClock) -> Connection:
    return connect(sandbox, clock)


@pytest.fixture
def session(connection: Connection) -> Session:
    found = connection.cache[CACHE_KEY]
    assert isinstance(found, Session)
    return found
