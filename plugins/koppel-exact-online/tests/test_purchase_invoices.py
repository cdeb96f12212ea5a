"""Canonical purchase invoices booked as Exact Online purchase entries (issue 18): the
supplier found by code, else by VAT number, GL accounts by code, never booked twice
(supplier and YourRef), and what Exact refuses refused by the sandbox too."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.errors import RejectedError
from koppel.flows import Flow, parse_flow
from koppel.http import FakeClock
from koppel.records import PurchaseInvoice, structure
from koppel.sync import Connection
from koppel_exact_online.entity_sets import PURCHASE_ENTRIES
from koppel_exact_online.odata import pad_code
from koppel_exact_online.plugin import connector
from koppel_exact_online.runs import CREDENTIALS, manager, on_clock, open_store, run
from koppel_exact_online.sandbox import ExactSandbox, make_sandbox

VAT = "NL853746333B01"


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


def invoice(number: str, supplier: dict[str, Any], *lines: tuple[str, str]) -> dict[str, Any]:
    """A canonical purchase invoice of ``supplier`` with (GL account, amount) lines at 21%."""
    rows = [
        {
            "description": f"regel {n}",
            "gl_account": account,
            "amount": amount,
            "vat_rate": "21",
            "vat_amount": str((Decimal(amount) * Decimal("0.21")).quantize(Decimal("0.01"))),
        }
        for n, (account, amount) in enumerate(lines or (("4000", "100.00"),), start=1)
    ]
    excl = sum(Decimal(r["amount"]) for r in rows)
    vat = sum(Decimal(r["vat_amount"]) for r in rows)
    data = {
        "id": f"{supplier.get('name')}/{number}",
        "number": number,
        "supplier": supplier,
        "issue_date": "2026-11-02",
        "due_date": "2026-12-02",
        "lines": rows,
        "total_excl_vat": str(excl),
        "total_vat": str(vat),
        "total_incl_vat": str(excl + vat),
    }
    structure(data, PurchaseInvoice)  # a valid canonical record
    return data


ONE = {"name": "Leverancier 1 BV", "number": "9001"}
TWO = {"name": "Leverancier 2 BV", "vat_number": VAT}  # no creditor number: by VAT number


def books(*invoices: dict[str, Any]) -> MemorySystem:
    system = MemorySystem("books", entities={"purchase_invoices": ("number",)})
    for data in invoices:
        system.put("purchase_invoices", data["id"], data)
    return system


def flow(**settings: Any) -> Flow:
    return parse_flow(
        {
            "name": "books-to-exact",
            "source": "books",
            "target": "exact",
            "entity": "purchase_invoices",
            "connections": {
                "books": {"system": "books"},
                "exact": {"system": "exact-online", "credentials": CREDENTIALS},
            },
            "settings": {"concurrency": 1, **settings},
        }
    )


def sandbox_with_vat(clock: FakeClock) -> ExactSandbox:
    """The demo company, supplier 9002 with VAT number :data:`VAT` (spelled with spaces)."""
    sandbox = make_sandbox(seed=8, clock=clock, customers=5, products=5, orders=0)
    two = sandbox.store["Accounts"].find(Code=pad_code("9002"))[0]
    sandbox.put("Accounts", two["ID"], {**two, "VATNumber": "NL 8537.46.333 B01"})
    return sandbox


def entries(sandbox: ExactSandbox) -> dict[tuple[str, str], dict[str, Any]]:
    """The purchase entries by (supplier code, YourRef)."""
    codes = {a["ID"]: str(a["Code"]).strip() for a in sandbox.store["Accounts"]}
    return {(codes[e["Supplier"]], e["YourRef"]): e for e in sandbox.store["PurchaseEntries"]}


def gl(sandbox: ExactSandbox, guid: str) -> str:
    return str(sandbox.store["GLAccounts"].find(ID=guid)[0]["Code"])


def test_purchase_invoices_are_booked_as_purchase_entries_with_supplier_and_gl_accounts(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    sandbox = sandbox_with_vat(clock)
    source = books(
        invoice("F-1", ONE, ("4000", "100.00"), ("7000", "50.00")),
        invoice("F-1", TWO, ("4000", "80.00")),  # the same number from another supplier
    )
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        pm = manager(source)
        result = run(flow(purchase_journal="60"), store, pm, sandbox)
        # One run takes one record per match value: the second waits for the next run.
        assert result.counts["created"] == 1 and result.counts["failed"] == 1
        assert "also that of source record" in store.parked()[0].message
        store.mark_due(flow="books-to-exact")  # koppel parked retry
        later = run(flow(purchase_journal="60"), store, pm, sandbox)
    assert later.counts["created"] == 1, store.parked()
    booked = entries(sandbox)
    assert set(booked) == {("9001", "F-1"), ("9002", "F-1")}
    first = booked[("9001", "F-1")]
    assert first["Journal"] == "60" and first["Description"] == "Purchase invoice F-1"
    lines = [
        (gl(sandbox, x["GLAccount"]), Decimal(str(x["AmountFC"])), Decimal(str(x["VATAmountFC"])))
        for x in first["PurchaseEntryLines"]
    ]
    assert lines == [
        ("4000", Decimal("100.00"), Decimal("21.00")),
        ("7000", Decimal("50.00"), Decimal("10.50")),
    ]
    assert all("VATCode" not in x for x in first["PurchaseEntryLines"])  # the GL account's


def test_purchase_invoices_vat_codes_come_from_the_flows_lookup(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = sandbox_with_vat(clock)
    lookups = {"vat_codes": {"NL:21": "5"}}
    parsed = parse_flow(
        {
            "name": "books-to-exact",
            "source": "books",
            "target": "exact",
            "entity": "purchase_invoices",
            "connections": {
                "books": {"system": "books"},
                "exact": {"system": "exact-online", "credentials": CREDENTIALS},
            },
            "settings": {"concurrency": 1},
            "lookups": lookups,
        }
    )
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        result = run(parsed, store, manager(books(invoice("F-9", ONE))), sandbox)
    assert result.counts["created"] == 1, store.parked()
    (entry,) = sandbox.store["PurchaseEntries"].all()
    assert [x["VATCode"].strip() for x in entry["PurchaseEntryLines"]] == ["5"]


def test_purchase_invoice_of_an_unknown_supplier_is_parked_naming_it(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = sandbox_with_vat(clock)
    stranger = {"name": "Onbekend BV", "number": "7777", "vat_number": "NL004495445B01"}
    source = books(invoice("X-1", stranger), invoice("F-2", ONE))
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        result = run(flow(), store, manager(source), sandbox)
        parked = store.parked()
    assert result.counts["created"] == 1 and result.counts["failed"] == 1
    assert "Onbekend BV" in parked[0].message and "7777" in parked[0].message
    assert "NL004495445B01" in parked[0].message
    assert set(entries(sandbox)) == {("9001", "F-2")}


def test_purchase_invoice_without_gl_account_is_parked_naming_the_line(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = sandbox_with_vat(clock)
    bad = invoice("F-3", ONE, ("4000", "10.00"), ("4000", "5.00"))
    bad["lines"][1]["gl_account"] = None
    unknown = invoice("F-4", ONE, ("4999", "10.00"))
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        result = run(flow(), store, manager(books(bad, unknown)), sandbox)
        messages = {p.source_id: p.message for p in store.parked()}
    assert result.counts["failed"] == 2 and sandbox.store["PurchaseEntries"].all() == []
    assert "GL account '4999'" in messages["Leverancier 1 BV/F-4"]
    assert "line 2 has no GL account" in messages["Leverancier 1 BV/F-3"]


def test_purchase_invoice_is_never_booked_twice(tmp_path: Path) -> None:
    """A second run skips it by its binding; a run that lost the binding (a crash between
    the write and the bind, here a fresh state store) finds it by supplier and YourRef,
    while another supplier's invoice with that number is booked."""
    clock = FakeClock()
    sandbox = sandbox_with_vat(clock)
    source = books(invoice("F-5", ONE), invoice("F-6", TWO))
    with on_clock(clock), open_store(tmp_path / "a", sandbox) as store:
        pm = manager(source)
        assert run(flow(), store, pm, sandbox).counts["created"] == 2
        again = run(flow(), store, pm, sandbox)
    assert again.counts["created"] == 0 and again.counts["failed"] == 0
    (tmp_path / "b").mkdir()
    writes = sandbox.writes
    with on_clock(clock), open_store(tmp_path / "b", sandbox) as fresh:
        lost = run(flow(), fresh, manager(source), sandbox)
        then = run(flow(), fresh, manager(source), sandbox)
    # Both found by supplier and YourRef and bound to their entries: nothing written.
    assert lost.counts["created"] == 2 and lost.counts["failed"] == 0
    assert then.counts["created"] == 0
    assert sandbox.writes == writes
    (tmp_path / "c").mkdir()
    with on_clock(clock), open_store(tmp_path / "c", sandbox) as other:
        same_number = run(flow(), other, manager(books(invoice("F-5", TWO))), sandbox)
    assert same_number.counts["created"] == 1 and sandbox.writes == writes + 1
    assert set(entries(sandbox)) == {("9001", "F-5"), ("9002", "F-6"), ("9002", "F-5")}


@pytest.mark.allow_contract_violations  # refused on purpose
def test_sandbox_refuses_purchase_entries_exact_refuses(
    sandbox: ExactSandbox, connection: Connection
) -> None:
    supplier = sandbox.store["Accounts"].find(Code=pad_code("9001"))[0]["ID"]
    account = sandbox.store["GLAccounts"].find(Code="4000")[0]["ID"]
    line = {"GLAccount": account, "AmountFC": 10}
    good = {"Supplier": supplier, "Journal": "60", "YourRef": "R-1", "PurchaseEntryLines": [line]}
    client = connector.session(connection).client
    refused = {
        "Journal": {k: v for k, v in good.items() if k != "Journal"},
        "Supplier": {**good, "Supplier": "00000000-0000-4000-8000-000000000000"},
        "PurchaseEntryLines": {**good, "PurchaseEntryLines": []},
        "GLAccount": {
            **good,
            "PurchaseEntryLines": [{**line, "GLAccount": "00000000-0000-4000-8000-000000000001"}],
        },
    }
    for field, body in refused.items():
        with pytest.raises(RejectedError, match=field):
            client.create(PURCHASE_ENTRIES, body)
    assert client.create(PURCHASE_ENTRIES, good)["EntryID"]
