"""Fixtures for the Exact Online Bouw tests: strict request contracts, a sandbox connection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from koppel.http import FakeClock
from koppel.mapping import compile_mapping
from koppel.plugins import KoppelPluginManager
from koppel.records import ENTITY_RECORDS, structure
from koppel.sandbox import ContractLog, attach_sandbox
from koppel.sync import Action, Connection, Direction
from koppel_exact_bouw.client import ExactBouwClient
from koppel_exact_bouw.plugin import connector
from koppel_exact_bouw.sandbox import (
    DEMO_API_KEY,
    DEMO_APPLICATION,
    ExactBouwSandbox,
    make_sandbox,
)

SECRETS = {"api_key": DEMO_API_KEY}
SETTINGS = {"application": DEMO_APPLICATION, "page_size": 5, "vat_tariff_id": 11}


@pytest.fixture(autouse=True)
def _strict(koppel_strict_contracts: ContractLog) -> None:
    """A test fails when a request it sends breaks the API's facts (facts.py)."""


@pytest.fixture
def vcr_config(koppel_vcr_config: dict[str, Any]) -> dict[str, Any]:
    """Cassettes are written with tokens, keys and secrets filtered out."""
    return koppel_vcr_config


@pytest.fixture
def sandbox() -> ExactBouwSandbox:
    """The demo sandbox on a fake clock: token lifetimes and rate limits pass in no time."""
    box = make_sandbox()
    box.clock = FakeClock()
    return box


@pytest.fixture
def connection(sandbox: ExactBouwSandbox) -> Iterator[Connection]:
    connection = Connection(
        name="exact-bouw-test", system="exact-bouw", settings=dict(SETTINGS), secrets=SECRETS
    )
    yield attach_sandbox(connection, sandbox)
    connection.close()


@pytest.fixture
def client(connection: Connection) -> ExactBouwClient:
    client: ExactBouwClient = connector.session(connection).client
    return client


@pytest.fixture
def hooks() -> Any:
    """The plugin's hooks, as the engine calls them (core's built-ins and this plugin)."""
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "exact-bouw")
    return manager.hooks_for("exact-bouw")


def mapped(hooks: Any, connection: Connection, entity: str, direction: Direction, data: Any) -> Any:
    """``data`` through the plugin's default mapping of ``entity`` in ``direction``."""
    spec = hooks.default_mapping(connection=connection, entity=entity, direction=direction)
    mapping = compile_mapping(spec, name=f"exact-bouw/{entity}/{direction}")
    return hooks.map_record(
        connection=connection,
        entity=entity,
        direction=direction,
        data=data,
        mapping=mapping,
        action=Action.CREATE if direction is Direction.OUTBOUND else None,
        existing=None,
    )


Reader = Callable[..., list[Any]]
Booker = Callable[..., Any]


@pytest.fixture
def read(hooks: Any, connection: Connection) -> Reader:
    """``read(entity, cursor=None)``: canonical records of ``entity`` since ``cursor``."""

    def read(entity: str, cursor: str | None = None) -> list[Any]:
        return read_records(hooks, connection, entity, cursor)

    return read


@pytest.fixture
def book(hooks: Any, connection: Connection) -> Booker:
    """``book(**booking)``: write one canonical commitment booking, the ``upsert`` answer."""

    def book(**booking: Any) -> Any:
        return write_booking(hooks, connection, booking)

    return book


def read_records(
    hooks: Any, connection: Connection, entity: str, cursor: str | None = None
) -> list[Any]:
    """Every canonical record of ``entity`` changed since ``cursor``, read and mapped."""
    records = hooks.fetch_records(connection=connection, entity=entity, cursor=cursor, filters={})
    return [
        structure(
            mapped(hooks, connection, entity, Direction.INBOUND, r.data), ENTITY_RECORDS[entity]
        )
        for r in records
    ]


def write_booking(hooks: Any, connection: Connection, booking: dict[str, Any]) -> Any:
    """Write one canonical commitment booking; the answer of ``upsert``."""
    payload = mapped(hooks, connection, "commitment_bookings", Direction.OUTBOUND, booking)
    return hooks.upsert(
        connection=connection,
        entity="commitment_bookings",
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )
