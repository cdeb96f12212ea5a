"""A purchase booking (core's ``booking`` system: a purchase invoice as a balanced journal
entry) written to AFAS as a financial mutation: the creditor line carries the creditor,
``VaAs`` 3 with the creditor number in ``AcNr`` and the invoice number in ``InId``, as
AFAS's "Financial mutations purchasing" shows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import httpx

from koppel.engine.memory import MemorySystem
from koppel.purchase.ledger import LedgerSettings, journal_entry
from koppel.records import (
    Creditor,
    JournalEntry,
    JournalLineKind,
    PurchaseInvoice,
    PurchaseInvoiceLine,
    unstructure,
)
from koppel.state import StateStore
from koppel_afas.client import authorization
from koppel_afas.sandbox import TOKEN, AfasSandbox

from .conftest import run_into_afas

LEDGER = LedgerSettings(creditor_account="1600", vat_account="1510", journal="70")


def invoice(number: str, supplier: Creditor) -> PurchaseInvoice:
    return PurchaseInvoice(
        id=f"ubl-{number}",
        number=number,
        supplier=supplier,
        issue_date=date(2024, 6, 3),
        lines=(
            PurchaseInvoiceLine(
                gl_account="7010",
                amount=Decimal("100.00"),
                vat_code="H",
                vat_rate=Decimal(21),
                vat_amount=Decimal("21.00"),
            ),
        ),
        total_excl_vat=Decimal("100.00"),
        total_vat=Decimal("21.00"),
        total_incl_vat=Decimal("121.00"),
    )


def book(sandbox: AfasSandbox, store: StateStore, *bookings: PurchaseInvoice) -> Any:
    """Run the booking -> AFAS journal_entries flow over ``bookings``."""
    return post(sandbox, store, *(journal_entry(item, LEDGER) for item in bookings))


def post(sandbox: AfasSandbox, store: StateStore, *entries: JournalEntry) -> Any:
    """Run the booking -> AFAS journal_entries flow over ``entries``."""
    source = MemorySystem("booking", entities={"journal_entries": ()})
    for entry in entries:
        source.put("journal_entries", str(entry.id), unstructure(entry))
    flow = {"name": "bookings-to-afas", "entity": "journal_entries"}
    return run_into_afas(sandbox, store, source, flow)


def lines_of(sandbox: AfasSandbox, voucher: str) -> list[dict[str, Any]]:
    return [line for line in sandbox.store["FiEntries"].all() if line.get("BpNr") == voucher]


def test_purchase_booking_credits_the_creditor_by_number_with_the_invoice_number(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    result = book(sandbox, store, invoice("INK-2024-17", Creditor(name="Koffie", number="20001")))
    assert result.counts["created"] == 1 and result.counts["failed"] == 0
    lines = lines_of(sandbox, "ubl-INK-2024-17")
    creditor = [line for line in lines if line["VaAs"] == "3"]
    assert len(creditor) == 1
    assert creditor[0]["AcNr"] == "20001" and creditor[0]["InId"] == "INK-2024-17"
    assert Decimal(str(creditor[0]["AmCr"])) == Decimal("121.00")
    assert {line["AcNr"] for line in lines if line["VaAs"] == "1"} == {"7010", "1510"}


def test_only_the_line_of_kind_creditor_books_on_a_creditor(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    entry = journal_entry(invoice("INK-9", Creditor(name="Koffie", number="20001")), LEDGER)
    creditor, expense, vat = entry.lines
    assert creditor.kind is JournalLineKind.CREDITOR
    # a relation on an expense line (kind other) is no creditor: it books on its GL account
    entry = attrs.evolve(entry, lines=(creditor, attrs.evolve(expense, relation="20002"), vat))
    assert post(sandbox, store, entry).counts["created"] == 1
    lines = lines_of(sandbox, "ubl-INK-9")
    assert sorted((line["VaAs"], line["AcNr"]) for line in lines) == [
        ("1", "1510"),
        ("1", "7010"),
        ("3", "20001"),
    ]


def test_purchase_booking_finds_the_creditor_by_vat_number(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    sandbox.change("creditors", "20003", VatNumber="NL123456782B01")
    supplier = Creditor(name="Bouwbedrijf Van der Berg", vat_number="nl 1234.56.782.b01")
    result = book(sandbox, store, invoice("F-88", supplier))
    assert result.counts["created"] == 1
    creditor = [line for line in lines_of(sandbox, "ubl-F-88") if line["VaAs"] == "3"]
    assert [line["AcNr"] for line in creditor] == ["20003"]


def test_purchase_booking_of_an_unknown_creditor_is_parked_unposted(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    result = book(sandbox, store, invoice("X-1", Creditor(name="Onbekend", number="29999")))
    assert result.counts["parked"] + result.counts["failed"] >= 1
    assert sandbox.store["FiEntries"].all() == []
    [parked] = store.parked("bookings-to-afas")
    assert "the creditor 29999 matches no creditor in AFAS" in parked.message


def test_sandbox_refuses_a_creditor_line_without_an_existing_creditor(
    sandbox: AfasSandbox,
) -> None:
    def line(vaas: str, account: str, **amount: float) -> dict[str, Any]:
        return {
            "Fields": {"VaAs": vaas, "AcNr": account, "EnDa": "2024-06-03", "BpDa": "2024-06-03"}
            | amount
        }

    body = {
        "FiEntryPar": {
            "Element": {
                "Fields": {"Year": 2024, "Peri": 6, "JoCo": "70"},
                "Objects": [
                    {
                        "FiEntries": {
                            "Element": [
                                line("3", "29999", AmCr=121.0),
                                line("1", "7010", AmDe=121.0),
                            ]
                        }
                    }
                ],
            }
        }
    }
    with httpx.Client(
        transport=sandbox.transport(),
        base_url="https://12345.rest.afas.online/ProfitRestServices/",
        headers={"Authorization": authorization(TOKEN)},
    ) as client:
        refused = client.post("connectors/FiEntries", json=body)
        assert refused.status_code == 500
        assert "'Account number' does not exist" in refused.json()["externalMessage"]
        body["FiEntryPar"]["Element"]["Objects"][0]["FiEntries"]["Element"][0] = line(
            "3", "20001", AmCr=121.0
        )
        assert client.post("connectors/FiEntries", json=body).status_code == 201


def test_purchase_booking_finds_the_creditor_by_email_once_a_run(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    supplier = Creditor(name="Koffie Import", number="Facturen@KoffieImport.nl")
    result = book(sandbox, store, invoice("K-1", supplier), invoice("K-2", supplier))
    assert result.counts["created"] == 2
    for voucher in ("ubl-K-1", "ubl-K-2"):
        creditor = [line for line in lines_of(sandbox, voucher) if line["VaAs"] == "3"]
        assert [line["AcNr"] for line in creditor] == ["20001"]
    # one look-up by e-mail address answered one row; the second booking asked nothing
    assert sandbox.rows_answered["koppel_creditors"] == 1
