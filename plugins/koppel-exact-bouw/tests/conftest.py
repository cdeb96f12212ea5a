"""Fixtures for the Exact Online Bouw tests: strict request contracts, a sandbox connection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from koppel.sandbox import ContractLog, attach_sandbox
from koppel.sync import Connection
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
    return make_sandbox()


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
