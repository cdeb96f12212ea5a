"""Journal pages take their account plan from core's settings shape, with AccountView's defaults."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from koppel.errors import ConfigurationError
from koppel_accountview.journal import journal_page_for_order
from koppel_accountview.settings import AccountViewSettings

ORDER = {
    "number": "1001",
    "order_type": "financial_mutation",
    "lines": [
        {"sku": "A", "unit_price": "10.00", "vat_rate": "21"},
        {"sku": "B", "unit_price": "10.00", "vat_rate": "9"},
    ],
}


def booked(settings: dict[str, Any], lookups: Any = None) -> list[tuple[str, Decimal, Any]]:
    typed = AccountViewSettings(company="DEMO", client_id="app", **settings)
    page = journal_page_for_order(ORDER, typed, lookups)
    return [(x["ACCT_NR"], Decimal(str(x["AMOUNT"])), x["VAT_CODE"]) for x in page["lines"]]


def test_journal_settings_defaults_core_tables_and_lookups() -> None:
    settings = {"accounts": {"revenue_by_rate": {"9": "8010"}, "vat_by_code": {"1": "1510"}}}
    lines = booked(settings, {"vat_codes": {"NL:21": "2", "NL:9": "1"}})
    assert sorted(lines) == [
        ("1210", Decimal("23.00"), None),  # AccountView's default debtor account
        ("1500", Decimal("-2.10"), "2"),
        ("1510", Decimal("-0.90"), "1"),
        ("8000", Decimal("-10.00"), "2"),
        ("8010", Decimal("-10.00"), "1"),
    ]


def test_journal_settings_errors_name_the_field_and_system() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown settings\.accounts\.revnue") as caught:
        booked({"accounts": {"revnue": "8000"}})
    assert caught.value.context == {"system": "accountview", "field": "settings.accounts.revnue"}
    with pytest.raises(ConfigurationError, match=r"key 'NL21' must read COUNTRY:RATE"):
        booked({}, {"vat_codes": {"NL21": "2"}})
