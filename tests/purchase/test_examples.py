"""The purchase examples load, and their booking connections' settings are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from koppel.connector import read_settings
from koppel.flows import load_flow
from koppel.purchase.booking import BookingSettings
from koppel.purchase.match import Remainder

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.mark.parametrize(
    "name",
    [
        "purchase-invoices.toml",
        "purchase-bookings-to-exact-online.toml",
        "purchase-bookings-to-exact-bouw.toml",
    ],
)
def test_example_loads_with_its_booking_settings(name: str) -> None:
    flow = load_flow(EXAMPLES / name)
    books = flow.target if flow.target.system == "booking" else flow.source
    assert books.system == "booking"
    settings = read_settings(
        BookingSettings, {**books.settings, "webhook_secret": "x"}, connection=books.name
    )
    if flow.entity == "purchase_invoices":
        assert settings.ledger().creditor_account == "1600"
        assert settings.matching().remainder is Remainder.LEAVE_OPEN
        assert settings.delivery_note_sources == ["bouw"]
        assert settings.multi_erp is True  # its bookings go out as journal entries
    elif flow.entity == "journal_entries":
        assert settings.webhook_urls and "webhook_secret" in books.credentials
    else:
        assert settings.source_system == "bouw"
