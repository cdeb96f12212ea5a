"""The standard connector suite against the AccountView sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koppel.sync import Connection
from koppel.testing import ConnectorTestSuite
from koppel_accountview.plugin import connector
from koppel_accountview.sandbox import CLIENT_ID, CLIENT_SECRET, COMPANY

_ORDER = {
    "number": "WEB-1",
    "order_type": "order",
    "order_date": "2024-06-01",
    "customer": {"name": "Piet de Vries", "email": "piet@example.nl"},
    "billing_address": {"street": "Kade", "house_number": "2", "city": "Delft", "country": "NL"},
    "lines": [{"sku": "AV-1001", "quantity": "1", "unit_price": "24.95", "vat_rate": "21"}],
}


class TestAccountView(ConnectorTestSuite):
    plugin = connector
    system = "accountview"
    settings = {"company": COMPANY, "client_id": CLIENT_ID, "page_size": 5}
    secrets = {"client_secret": CLIENT_SECRET}
    samples = {
        "customers": {
            "company_name": "Jansen BV",
            "contact": {"name": "Jan Jansen"},
            "email": "jan@jansen.nl",
            "billing_address": {"street": "Dorpsstraat", "house_number": "1", "city": "Ede"},
        },
        "orders": _ORDER,
    }
    changes = {"customers": {"phone": "0318-123456"}}
    rejected = {"customers": {"email": "no-name@example.nl"}}
    cassettes = Path(__file__).parent / "cassettes"

    @pytest.mark.allow_contract_violations
    def test_suite_rejection_is_record_error_with_api_message(
        self, hooks: Any, connection: Connection
    ) -> None:
        """A debtor without a name breaks CONTACT.ACCT_NAME (mandatory) on purpose."""
        super().test_suite_rejection_is_record_error_with_api_message(hooks, connection)
