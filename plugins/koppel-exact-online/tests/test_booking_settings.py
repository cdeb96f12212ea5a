"""Financial mutations take their account plan from core's settings shape."""

from __future__ import annotations

from decimal import Decimal

import pytest

from koppel.connector import read_settings
from koppel.errors import ConfigurationError
from koppel_exact_online.booking import journal_entry_for
from koppel_exact_online.settings import ExactSettings

ACCOUNTS = {"debtor": "1300", "revenue": "8000", "vat": "1500", "rounding": "8990"}
ORDER = {
    "number": "1001",
    "order_type": "financial_mutation",
    "total_incl_vat": "22.18",
    "lines": [
        {"sku": "A", "unit_price": "10.00", "vat_rate": "21"},
        {"sku": "B", "unit_price": "10.00", "vat_rate": "0"},
    ],
}


def settings(**values: object) -> ExactSettings:
    credentials = {"client_id": "app", "client_secret": "secret"}
    return read_settings(ExactSettings, {**credentials, **values}, connection="exact")


def test_booking_settings_journal_default_rate_accounts_and_threshold() -> None:
    accounts = {**ACCOUNTS, "revenue_by_rate": {"0": "8020"}}
    entry = journal_entry_for(settings(accounts=accounts, rounding_threshold="0.10"), ORDER)
    assert entry["journal"] == "90"
    lines = sorted((x["account"], Decimal(x["amount"])) for x in entry["lines"])
    assert lines == [
        ("1300", Decimal("22.18")),
        ("1500", Decimal("-2.10")),
        ("8000", Decimal("-10.00")),
        ("8020", Decimal("-10.00")),
        ("8990", Decimal("-0.08")),
    ]


def test_booking_settings_errors_name_every_missing_account() -> None:
    with pytest.raises(ConfigurationError) as caught:
        journal_entry_for(settings(accounts={"debtor": "1300", "vat": "1500"}), ORDER)
    assert caught.value.message.endswith(
        "missing settings.accounts.revenue, settings.accounts.rounding"
    )
    assert caught.value.context == {"system": "exact-online", "field": "settings.accounts"}


def test_booking_settings_threshold_must_be_a_number() -> None:
    with pytest.raises(ConfigurationError, match="rounding_threshold") as caught:
        settings(accounts=ACCOUNTS, rounding_threshold="5 cent")
    assert caught.value.context["path"] == "connections.exact.settings.rounding_threshold"
