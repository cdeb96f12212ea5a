"""Fixtures for the AccountView plugin's tests: a sandbox and a connection attached to it."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.sandbox import attach_sandbox
from koppel.sync import Connection
from koppel_accountview.sandbox import CLIENT_ID, CLIENT_SECRET, COMPANY, make_sandbox

SETTINGS = {"company": COMPANY, "client_id": CLIENT_ID, "page_size": 5}
SECRETS = {"client_secret": CLIENT_SECRET}


@pytest.fixture(autouse=True)
def _strict(koppel_strict_contracts: Any) -> None:
    """Every request of every test is checked against the facts (koppel_accountview.facts)."""


@pytest.fixture
def vcr_config(koppel_vcr_config: dict[str, Any]) -> dict[str, Any]:
    return koppel_vcr_config


@pytest.fixture
def sandbox() -> Any:
    """The demo administration with two debtors sharing an e-mail address, as real data has,
    and two creditors."""
    return make_sandbox(shared_email=True, creditors=True)


@pytest.fixture
def connection(sandbox: Any) -> Connection:
    connection = Connection(
        name="av", system="accountview", settings=dict(SETTINGS), secrets=dict(SECRETS)
    )
    return attach_sandbox(connection, sandbox)
