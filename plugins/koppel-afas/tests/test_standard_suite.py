"""Core's standard connector suite, against the AFAS sandbox and against cassettes.

The cassette run replays ``cassettes/test_standard_suite/*.yaml`` (VCR.py, via
pytest-recording): the sandbox is never reached, only its call counter moves.
Re-record with ``pytest --record-mode=rewrite`` (see the README).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koppel.http import FakeClock
from koppel.sandbox import Sandbox, attach_sandbox
from koppel.sync import Connection
from koppel.testing import ConnectorTestSuite, CountedReplays
from koppel_afas.plugin import connector
from koppel_afas.sandbox import make_sandbox

from .conftest import SECRETS, SETTINGS

CASSETTES = Path(__file__).parent / "cassettes"

RELATION = {
    "kind": "debtor",
    "number": "10050",
    "name": "Koffiebar De Wit",
    "company_name": "Koffiebar De Wit",
    "email": "eva@koffiebardewit.example",
    "phone": "073-5550000",
    "vat_number": "NL867890123B01",
    "address": {
        "street": "Markt",
        "house_number": "5",
        "house_number_addition": "b",
        "postcode": "5211 JV",
        "city": "'s-Hertogenbosch",
        "country": "NL",
    },
}
PRODUCT = {
    "sku": "AV-2001",
    "ean": "8712345020015",
    "name": "Latte macchiato glazen, set van 2",
    "price_excl_vat": "12.50",
    "unit": "stk",
}
ORDER = {
    "number": "WEB-5001",
    "order_type": "order",
    "order_date": "2024-06-01",
    "currency": "EUR",
    "customer": {"email": "inkoop@koffiehuisdeboon.nl"},
    "lines": [{"sku": "AV-1003", "quantity": "2", "unit_price": "18.50"}],
}


class _Base(ConnectorTestSuite):
    plugin = connector
    system = "afas"
    secrets = SECRETS
    settings: Any = {**SETTINGS, "page_size": 5}
    cassettes = CASSETTES
    samples: Any = {"relations": RELATION, "products": PRODUCT, "orders": ORDER}
    changes: Any = {"relations": {"phone": "073-5551111"}, "products": {"price_excl_vat": "13.95"}}
    rejected: Any = {
        # What only AFAS can refuse: a debtor number or an item code that exists.
        "relations": {"kind": "debtor", "number": "10001", "company_name": "Dubbel B.V."},
        "products": {"sku": "AV-1001", "name": "Een artikel met een bestaande code"},
    }

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def sandbox(self, clock: FakeClock) -> Sandbox:
        return make_sandbox(self.seed, clock=clock)

    @pytest.fixture
    def connection(self, sandbox: Sandbox, clock: FakeClock) -> Connection:
        connection = Connection(
            name="afas-test",
            system=self.system,
            settings=dict(self.settings),
            secrets=dict(self.secrets),
        )
        attach_sandbox(connection, sandbox)
        self.wrap_transport(connection, sandbox)
        return connection

    def wrap_transport(self, connection: Connection, sandbox: Sandbox) -> None:
        """Change how the connection reaches the sandbox (the cassette run replays instead)."""


class TestAfasSandbox(_Base):
    """The suite against the live sandbox."""


@pytest.mark.vcr
class TestAfasCassettes(_Base):
    """The suite replayed from cassettes: every answer comes from tests/cassettes/."""

    def wrap_transport(self, connection: Connection, sandbox: Sandbox) -> None:
        connection.transport = CountedReplays(sandbox, connection.transport)
