"""A purchase invoice as a balanced journal entry: creditor, expense per GL account, VAT."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from koppel.errors import ValidationError
from koppel.purchase.ledger import LedgerSettings, journal_entry
from koppel.records import (
    Creditor,
    JournalLineKind,
    PurchaseInvoice,
    PurchaseInvoiceKind,
    PurchaseInvoiceLine,
)

BOOKS = LedgerSettings(
    creditor_account="1600", vat_accounts={"S": "1520", "AA": "1521"}, journal="70"
)


def line(amount: str, gl: str | None = "7010", code: str = "S", vat: str = "21.00") -> Any:
    rate = Decimal(21) if code == "S" else Decimal(9)
    return PurchaseInvoiceLine(
        gl_account=gl,
        amount=Decimal(amount),
        vat_code=code,
        vat_rate=rate,
        vat_amount=Decimal(vat),
    )


def invoice(*lines: PurchaseInvoiceLine, vat: str | None = None, **fields: Any) -> PurchaseInvoice:
    net = sum((item.amount for item in lines), Decimal(0))
    total_vat = Decimal(vat) if vat else sum((item.vat_amount or 0 for item in lines), Decimal(0))
    values: dict[str, Any] = {
        "id": "CRED-2001/F-1",
        "number": "F-1",
        "supplier": Creditor(name="Beton BV", number="CRED-2001"),
        "issue_date": date(2026, 10, 1),
        "lines": lines,
        "total_excl_vat": net,
        "total_vat": total_vat,
        "total_incl_vat": net + total_vat,
        **fields,
    }
    return PurchaseInvoice(**values)


def amounts(entry: Any) -> list[tuple[str, Decimal]]:
    return [(item.account, item.amount) for item in entry.lines]


def test_expense_per_account_vat_per_code_and_the_creditor_credited() -> None:
    entry = journal_entry(
        invoice(
            line("100.00", vat="21.00"),
            line("50.00", vat="10.50"),
            line("200.00", gl="7020", code="AA", vat="18.00"),
        ),
        BOOKS,
    )
    assert amounts(entry) == [
        ("1600", Decimal("-399.50")),
        ("7010", Decimal("150.00")),
        ("7020", Decimal("200.00")),
        ("1520", Decimal("31.50")),
        ("1521", Decimal("18.00")),
    ]
    assert entry.balance == 0 and entry.journal == "70" and entry.reference == "CRED-2001/F-1"
    assert entry.lines[0].relation == "CRED-2001" and entry.entry_date == date(2026, 10, 1)
    assert [item.kind for item in entry.lines] == [
        JournalLineKind.CREDITOR,
        JournalLineKind.OTHER,
        JournalLineKind.OTHER,
        JournalLineKind.VAT,
        JournalLineKind.VAT,
    ]
    assert entry.lines[3].vat_code == "S" and entry.description == "Beton BV: invoice F-1"


def test_the_documents_vat_total_decides_and_the_rounding_goes_to_the_largest() -> None:
    entry = journal_entry(
        invoice(line("10.05", vat="2.11"), line("20.05", gl="7020", vat="4.21"), vat="6.32"),
        BOOKS,
    )
    assert entry.balance == 0
    entry = journal_entry(
        invoice(line("10.05", vat="2.11"), line("20.05", gl="7020", vat="4.21"), vat="6.33"),
        BOOKS,
    )
    assert dict(amounts(entry))["1520"] == Decimal("6.33") and entry.balance == 0


def test_a_credit_note_mirrors_an_invoice() -> None:
    note = invoice(line("-100.00", vat="-21.00"), kind=PurchaseInvoiceKind.CREDIT_NOTE)
    entry = journal_entry(note, BOOKS)
    assert amounts(entry) == [
        ("1600", Decimal("121.00")),
        ("7010", Decimal("-100.00")),
        ("1520", Decimal("-21.00")),
    ]


def test_a_difference_moves_from_the_commitments_account_to_its_own() -> None:
    entry = journal_entry(
        invoice(line("100.00"), line("300.00", gl="7020", vat="63.00")),
        BOOKS,
        difference=Decimal("40.00"),
        difference_account="7999",
        difference_from="7010",
    )
    assert dict(amounts(entry)) == {
        "1600": Decimal("-484.00"),
        "7010": Decimal("60.00"),
        "7020": Decimal("300.00"),
        "7999": Decimal("40.00"),
        "1520": Decimal("84.00"),
    }
    assert entry.balance == 0


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (invoice(line("100.00", gl=None)), r"line 1 has no GL account \(cbc:AccountingCost\)"),
        (
            invoice(line("100.00"), total_excl_vat=Decimal("90.00")),
            "the lines add up to 100.00 but the total excluding VAT is 90.00",
        ),
        (
            invoice(line("100.00"), total_incl_vat=Decimal("120.00")),
            "plus VAT 21.00 is not the total including VAT 120.00",
        ),
        (invoice(line("100.00", code="Z")), "no VAT account for VAT code 'Z'"),
        # Exact Online Bouw's invoices give a VAT rate and no code.
        (invoice(line("100.00", code="")), "a line gives no VAT code, so vat_accounts cannot"),
    ],
)
def test_an_invoice_that_cannot_be_booked_says_why(document: PurchaseInvoice, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        journal_entry(document, LedgerSettings(creditor_account="1600", vat_accounts={"S": "1520"}))
