"""Fixtures for the AFAS plugin's tests: a sandbox on a fake clock and a connection to it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import structlog
from cryptography.fernet import Fernet

from koppel.engine import RunResult, run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import parse_flow
from koppel.http import FakeClock
from koppel.plugins import KoppelPluginManager
from koppel.sandbox import attach_sandbox
from koppel.state import StateStore, open_state
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


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    """A state store for runs through the engine, with the sandbox's token in AFAS_TOKEN."""
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("AFAS_TOKEN", TOKEN)
    state = open_state(str(tmp_path / "state.sqlite3"))
    yield state
    state.close()


def run_into_afas(
    sandbox: AfasSandbox, store: StateStore, source: MemorySystem, flow: Mapping[str, Any]
) -> RunResult:
    """One run of ``flow`` (its name, entity and whatever else it sets) from ``source``
    into the AFAS sandbox, through the engine."""
    parsed = parse_flow(
        {
            "source": source.name,
            "target": "afas",
            **flow,
            "connections": {
                source.name: {"system": source.name},
                "afas": {
                    "system": "afas",
                    "settings": SETTINGS,
                    "credentials": {"token": "env:AFAS_TOKEN"},
                },
            },
        }
    )
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "afas")
    manager.register(source, source.name)
    return run_flow(parsed, store, manager=manager, transports={"afas": sandbox.transport()})
