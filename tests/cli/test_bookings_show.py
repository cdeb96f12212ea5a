"""``koppel bookings show`` prints a purchase invoice line's VAT as far as it is known."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.cli.bookings import _print


def shown(*lines: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": 1,
        "invoice": "4102/INK-1",
        "booked_at": "2026-11-25T10:00:00+00:00",
        "form": "purchase_invoice",
        "invoice_record": {
            "number": "INK-1",
            "supplier": {"number": "4102"},
            "total_incl_vat": "1210.00",
            "currency": "EUR",
            "lines": list(lines),
        },
        "entry": {"reference": "4102/INK-1", "currency": "EUR", "lines": []},
        "commitment_bookings": [],
        "exports": [],
        "notifications": [],
    }


def test_a_line_with_a_rate_and_no_code_shows_its_rate_not_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exact Online Bouw's invoices give a rate (vatTariffPercentage), no code."""
    _print(
        shown(
            {"gl_account": "7000", "amount": "1000.00", "vat_rate": "21.00", "vat_code": None},
            {"gl_account": "4000", "amount": "100.00", "vat_code": "S", "vat_amount": "21.00"},
            {"gl_account": "4100", "amount": "5.00"},
        )
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[3].split() == ["7000", "1000.00", "VAT", "21.00%"]
    assert lines[4].split() == ["4000", "100.00", "VAT", "S", "21.00"]
    assert lines[5].split() == ["4100", "5.00"]
    assert "None" not in "\n".join(lines)
