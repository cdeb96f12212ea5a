"""Journal entries to Exact Online general journal entries: a purchase booking's creditor
line (kind ``creditor``) is booked on the supplier's account, found by code or else by VAT
number; the relation of a line of another kind is an account code or e-mail address."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.flows import Flow, parse_flow
from koppel.http import FakeClock
from koppel.purchase.ledger import LedgerSettings, journal_entry
from koppel.records import (
    Creditor,
    JournalEntry,
    JournalLineKind,
    PurchaseInvoice,
    PurchaseInvoiceLine,
    unstructure,
)
from koppel_exact_online.odata import pad_code
from koppel_exact_online.runs import CREDENTIALS, manager, on_clock, open_store, run
from koppel_exact_online.sandbox import ExactSandbox, make_sandbox

VAT = "NL853746333B01"
LEDGER = LedgerSettings(creditor_account="1600", vat_account="1500", journal="90")


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


def booking(number: str, supplier: Creditor) -> JournalEntry:
    """The purchase booking of invoice ``number`` of ``supplier``: 100.00 on 4000 at 21%."""
    invoice = PurchaseInvoice(
        id=f"ubl-{number}",
        number=number,
        supplier=supplier,
        issue_date=date(2026, 11, 2),
        lines=(
            PurchaseInvoiceLine(
                gl_account="4000",
                amount=Decimal("100.00"),
                vat_rate=Decimal(21),
                vat_amount=Decimal("21.00"),
            ),
        ),
        total_excl_vat=Decimal("100.00"),
        total_vat=Decimal("21.00"),
        total_incl_vat=Decimal("121.00"),
    )
    return journal_entry(invoice, LEDGER)


def books(*entries: JournalEntry) -> MemorySystem:
    system = MemorySystem("books", entities={"journal_entries": ("reference",)})
    for entry in entries:
        system.put("journal_entries", str(entry.id), unstructure(entry))
    return system


def flow() -> Flow:
    return parse_flow(
        {
            "name": "books-to-exact",
            "source": "books",
            "target": "exact",
            "entity": "journal_entries",
            "connections": {
                "books": {"system": "books"},
                "exact": {"system": "exact-online", "credentials": CREDENTIALS},
            },
            "settings": {"concurrency": 1},
        }
    )


def account_lines(sandbox: ExactSandbox) -> dict[str, list[tuple[str, str | None]]]:
    """Per entry (its first line's description): (GL account code, account code) per line."""
    gl = {a["ID"]: str(a["Code"]) for a in sandbox.store["GLAccounts"]}
    accounts = {a["ID"]: str(a["Code"]).strip() for a in sandbox.store["Accounts"]}
    found: dict[str, list[tuple[str, str | None]]] = {}
    for entry in sandbox.store["GeneralJournalEntries"]:
        lines: list[dict[str, Any]] = entry["GeneralJournalEntryLines"]
        found[lines[0]["Description"]] = [
            (gl[line["GLAccount"]], accounts.get(line.get("Account") or "")) for line in lines
        ]
    return found


def test_the_creditor_line_is_booked_on_the_supplier_by_code_or_vat_number(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=8, clock=clock, customers=5, products=5, orders=0)
    two = sandbox.store["Accounts"].find(Code=pad_code("9002"))[0]
    sandbox.put("Accounts", two["ID"], {**two, "VATNumber": "NL 8537.46.333 B01"})
    by_code = booking("F-1", Creditor(name="Leverancier 1 BV", number="9001"))
    by_vat = booking("F-2", Creditor(name="Leverancier 2 BV", vat_number=VAT))
    creditor, expense, vat = by_vat.lines
    assert creditor.kind is JournalLineKind.CREDITOR and creditor.relation == VAT
    # the relation of an expense line (kind other) is an account code, as it was
    by_vat = attrs.evolve(by_vat, lines=(creditor, attrs.evolve(expense, relation="1"), vat))
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        result = run(flow(), store, manager(books(by_code, by_vat)), sandbox)
        assert result.counts["created"] == 2, store.parked()
    assert account_lines(sandbox) == {
        "ubl-F-1": [("1600", "9001"), ("4000", None), ("1500", None)],
        "ubl-F-2": [("1600", "9002"), ("4000", "1"), ("1500", None)],
    }


def test_a_creditor_exact_does_not_know_is_parked_naming_it(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=8, clock=clock, customers=5, products=5, orders=0)
    stranger = booking("X-1", Creditor(name="Onbekend BV", vat_number="NL004495445B01"))
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        result = run(flow(), store, manager(books(stranger)), sandbox)
        [parked] = store.parked()
    assert result.counts["failed"] == 1 and sandbox.store["GeneralJournalEntries"].all() == []
    assert "NL004495445B01" in parked.message and "creditor line Account" in parked.message
