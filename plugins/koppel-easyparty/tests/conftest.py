"""Fixtures for the EasyParty tests: strict request contracts, a sandbox connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from koppel.sandbox import ContractLog, attach_sandbox
from koppel.sync import Connection
from koppel_easyparty.sandbox import DEMO_API_KEY, DEMO_TENANT, EasyPartySandbox, make_sandbox

SECRETS = {"api_key": DEMO_API_KEY}
SETTINGS = {"tenant": DEMO_TENANT, "page_size": 10}


@pytest.fixture(autouse=True)
def _strict(koppel_strict_contracts: ContractLog) -> None:
    """A test fails when a request it sends breaks the API's facts (facts.py)."""


@pytest.fixture
def sandbox() -> EasyPartySandbox:
    return make_sandbox()


@pytest.fixture
def connection(sandbox: EasyPartySandbox) -> Iterator[Connection]:
    connection = Connection(
        name="easyparty-test", system="easyparty", settings=dict(SETTINGS), secrets=SECRETS
    )
    yield attach_sandbox(connection, sandbox)
    connection.close()
