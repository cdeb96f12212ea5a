"""Core's standard connector suite against the Exact Online sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koppel.http import FakeClock
from koppel.sandbox import Sandbox
from koppel.testing import ConnectorTestSuite
from koppel_exact_online.plugin import connector
from koppel_exact_online.sandbox import make_sandbox

CUSTOMER = {
    "name": "Jan Jansen",
    "company_name": "Jansen BV",
    "email": "info@jansen.example",
    "contact": {"first_name": "Jan", "last_name": "Jansen", "email": "jan@jansen.example"},
    "billing_address": {"street": "Dorpsstraat", "house_number": "1", "city": "Zwolle"},
}
ORDER = {
    "number": "SO-1",
    "order_type": "order",
    "order_date": "2024-05-01",
    "customer": {"email": "klant1@example.nl"},
    "lines": [{"sku": "ART-0001", "quantity": "2", "unit_price": "19.95", "vat_code": "2"}],
}


class _Base(ConnectorTestSuite):
    plugin = connector
    system = "exact-online"
    secrets = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
    cassettes = Path(__file__).parent / "cassettes"

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def sandbox(self, clock: FakeClock) -> Sandbox:
        # Small pages so that the demo data spans several (Exact: 60 and 1,000).
        return make_sandbox(seed=self.seed, clock=clock, page_size=5, sync_page_size=5)


class TestExactOnline(_Base):
    samples: Any = {
        "customers": CUSTOMER,
        "relations": {
            "kind": "creditor",
            "number": "70001",
            "name": "Leverancier Drie BV",
            "email": "drie@leverancier.example",
        },
        "products": {"sku": "NEW-1", "ean": "8719999000011", "name": "Nieuw artikel"},
        "orders": ORDER,
    }
    changes: Any = {
        "customers": {"phone": "0612345678"},
        "relations": {"phone": "0301234567"},
        "products": {"name": "Nieuw artikel, blauw"},
        "orders": {"order_date": "2024-05-02"},
    }
    rejected: Any = {
        "products": {"name": "an item without a code"},
        "orders": {
            **ORDER,
            "number": "SO-9",
            "customer": {"email": "klant2@example.nl"},
            "lines": [],
        },
    }


class TestExactOnlineFinancialMutations(_Base):
    settings: Any = {
        "order_type": "financial_mutation",
        "journal": "90",
        "accounts": {"debtor": "1300", "revenue": "8000", "vat": "1500", "rounding": "8990"},
    }
    rejected: Any = {
        # Exact refuses an entry dated where the company has no financial period.
        "orders": {
            **ORDER,
            "order_date": "1990-01-01",
            "lines": [{"sku": "X", "quantity": "1", "unit_price": "10", "vat_rate": "21"}],
        }
    }
