"""Core's standard connector suite, against the eAccounting sandbox and against cassettes.

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
from koppel_eaccounting.plugin import connector
from koppel_eaccounting.sandbox import make_sandbox

from .conftest import SECRETS

CASSETTES = Path(__file__).parent / "cassettes"

CUSTOMER = {
    "name": "Eva de Wit",
    "company_name": "Koffiebar De Wit",
    "email": "eva@koffiebardewit.example",
    "contact": {"name": "Eva de Wit", "email": "eva@koffiebardewit.example"},
    "payment_terms": "14 dagen",
    "billing_address": {
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
    "vat_rate": "21",
    "unit": "st",
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
    system = "eaccounting"
    secrets = SECRETS
    settings: Any = {"page_size": 5}
    cassettes = CASSETTES
    samples: Any = {
        "customers": CUSTOMER,
        "products": PRODUCT,
        "orders": ORDER,
        "stock": {"sku": "AV-1001", "on_hand": "40", "reserved": "5"},
    }
    changes: Any = {
        "customers": {"phone": "073-5550000"},
        "products": {"price_excl_vat": "13.95"},
        "orders": {"order_date": "2024-06-02"},
        "stock": {"reserved": "7"},
    }
    rejected: Any = {
        # What only the API can refuse (the plugin checks required fields and lengths
        # itself, tests/test_payloads.py): a customer number or article number taken.
        "customers": {
            "name": "Dubbel",
            "email": "dubbel@example.nl",
            "debtor_number": "1001",
            "billing_address": {"street": "Markt", "postcode": "5211 JV", "city": "Den Bosch"},
        },
        "products": {"sku": "AV-1001", "name": "Een artikel met een bestaand nummer"},
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
            name="eaccounting-test",
            system=self.system,
            settings=dict(self.settings),
            secrets=dict(self.secrets),
        )
        attach_sandbox(connection, sandbox)
        self.wrap_transport(connection, sandbox)
        return connection

    def wrap_transport(self, connection: Connection, sandbox: Sandbox) -> None:
        """Change how the connection reaches the sandbox (the cassette run replays instead)."""


class TestEAccountingSandbox(_Base):
    """The suite against the live sandbox."""


@pytest.mark.vcr
class TestEAccountingCassettes(_Base):
    """The suite replayed from cassettes: every answer comes from tests/cassettes/."""

    def wrap_transport(self, connection: Connection, sandbox: Sandbox) -> None:
        connection.transport = CountedReplays(sandbox, connection.transport)
