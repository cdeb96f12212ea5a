"""The form a booking goes out in: a purchase invoice (entity purchase_invoices), or with
Multi ERP on for its administration a journal entry (entity journal_entries); decided
once when the invoice is booked, each exported once, and told by the webhook."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from koppel.cli import cli
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.records import JournalEntry, PurchaseInvoice, structure
from koppel.state import BookingForm, StateStore
from koppel.testing import StateTarget

from ._make import drop, export_flow, invoices_flow, manager, ubl_invoice
from .test_booking_flow import commit
from .test_booking_webhook import SECRET, Receiver, hooked, verify


def book(store: StateStore, folder: Path, count: int, **settings: Any) -> None:
    """``count`` invoices F-<n> booked on commitments VP-<n> of administration acme."""
    for n in range(count):
        commit(store, f"VP-{n}")
        drop(folder, f"f{n}.xml", ubl_invoice(f"F-{n}", orders=(f"VP-{n}",)))
    result = run_flow(invoices_flow(folder, **settings), store, manager=manager())
    assert result.counts["created"] == count and result.counts["failed"] == 0, store.parked()


def erp() -> MemorySystem:
    return MemorySystem(
        "erp", entities={"purchase_invoices": ("number",), "journal_entries": ("reference",)}
    )


def test_without_multi_erp_bookings_go_out_once_as_purchase_invoices(
    store: StateStore, tmp_path: Path
) -> None:
    book(store, tmp_path / "in", 2, multi_erp=False)
    assert {b.form for b in store.bookings_after(0)} == {BookingForm.PURCHASE_INVOICE}
    target = erp()
    invoices = export_flow("purchase_invoices", "erp", "erp")
    first = run_flow(invoices, store, manager=manager(target))
    assert first.counts["created"] == 2 and first.counts["failed"] == 0
    rows = target.rows("purchase_invoices")
    written = sorted((structure(row, PurchaseInvoice) for row in rows.values()), key=str)
    assert [w.number for w in sorted(written, key=lambda w: w.number or "")] == ["F-0", "F-1"]
    for invoice in written:
        assert invoice.supplier is not None and invoice.supplier.number == "CRED-2001"
        assert [(line.gl_account, line.amount) for line in invoice.lines] == [
            ("7010", Decimal("600.00"))
        ]
        assert invoice.total_incl_vat == Decimal("726.00") and invoice.administration == "acme"
    # Not as journal entries too, and not again.
    entries = run_flow(export_flow("journal_entries", "erp", "erp"), store, manager=manager(target))
    assert entries.counts["created"] == 0 and target.rows("journal_entries") == {}
    again = run_flow(invoices, store, manager=manager(target))
    assert again.counts["created"] == again.counts["updated"] == 0
    assert len(target.writes) == 2


def test_with_multi_erp_bookings_go_out_as_journal_entries_only(
    store: StateStore, tmp_path: Path
) -> None:
    book(store, tmp_path / "in", 2, multi_erp=True)
    target = erp()
    invoices = run_flow(
        export_flow("purchase_invoices", "erp", "erp"), store, manager=manager(target)
    )
    assert invoices.counts["created"] == 0
    entries = run_flow(export_flow("journal_entries", "erp", "erp"), store, manager=manager(target))
    assert entries.counts["created"] == 2
    for row in target.rows("journal_entries").values():
        assert structure(row, JournalEntry).balance == 0


def test_multi_erp_comes_from_the_projects_administration(
    store: StateStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "koppel.toml").write_text(
        "[administrations.acme]\nmulti_erp = true\n\n[administrations.beta]\nflows = []\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    commit(store, "VP-1")
    commit(store, "VP-2", administration="beta")
    drop(tmp_path / "in", "a.xml", ubl_invoice("F-1", orders=("VP-1",)))
    run_flow(invoices_flow(tmp_path / "in", multi_erp=None), store, manager=manager())
    drop(tmp_path / "beta", "b.xml", ubl_invoice("F-2", orders=("VP-2",)))
    beta = invoices_flow(tmp_path / "beta", administration="beta", multi_erp=None)
    run_flow(beta, store, manager=manager())
    forms = {b.invoice: (b.administration, b.form) for b in store.bookings_after(0)}
    assert forms == {
        "CRED-2001/F-1": ("acme", BookingForm.JOURNAL_ENTRY),
        "CRED-2001/F-2": ("beta", BookingForm.PURCHASE_INVOICE),
    }


def test_a_difference_booked_apart_is_on_the_purchase_invoice_too(
    store: StateStore, tmp_path: Path
) -> None:
    commit(store, "VP-1", open_amount="500.00")
    drop(tmp_path / "in", "f.xml", ubl_invoice("F-1", orders=("VP-1",)))
    flow = invoices_flow(
        tmp_path / "in", multi_erp=False, remainder="book_difference", difference_account="8990"
    )
    run_flow(flow, store, manager=manager())
    [booking] = store.bookings_after(0)
    assert booking.invoice_record is not None
    invoice = structure(booking.invoice_record, PurchaseInvoice)
    entry = structure(booking.entry, JournalEntry)
    per_account: dict[str, Decimal] = {}
    for line in invoice.lines:
        assert line.gl_account is not None
        per_account[line.gl_account] = per_account.get(line.gl_account, Decimal(0)) + line.amount
    expense = {line.account: line.amount for line in entry.lines[1:] if line.kind != "vat"}
    assert per_account == expense == {"7010": Decimal("500.00"), "8990": Decimal("100.00")}
    assert invoice.total_excl_vat == Decimal("600.00") and invoice.total_vat == Decimal("126.00")
    assert sum((line.vat_amount or Decimal(0) for line in invoice.lines), Decimal(0)) == Decimal(
        "126.00"
    )


def test_the_webhook_tells_purchase_invoice_exports(
    store: StateStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    book(store, tmp_path / "in", 2, multi_erp=False)
    receiver = Receiver(failures=1)
    try:
        target = erp()
        flow = export_flow("purchase_invoices", "erp", "erp", books=hooked(receiver.url))
        assert run_flow(flow, store, manager=manager(target)).counts["created"] == 2
        told = receiver.delivered()
        assert sorted(n["booking_id"] for n in told) == [1, 2]
        assert {n["entity"] for n in told} == {"purchase_invoices"}
        exported = {row["number"]: key for key, row in target.rows("purchase_invoices").items()}
        for notice in told:
            booking = store.booking(notice["booking_id"])
            assert booking is not None
            assert notice["target_id"] == exported[booking.invoice.split("/")[1]]
        for headers, body, _ in receiver.requests:
            assert verify(SECRET, headers["Koppel-Signature"], body)
        run_flow(flow, store, manager=manager(target))
        assert len(receiver.requests) == 3  # one 500, then two deliveries; nothing again
    finally:
        receiver.close()


def test_bookings_show_and_list_name_the_form_and_its_export(
    store: StateStore, state_at: StateTarget, tmp_path: Path
) -> None:
    book(store, tmp_path / "in", 1, multi_erp=False)
    run_flow(export_flow("purchase_invoices", "erp", "erp"), store, manager=manager(erp()))
    location = state_at.location
    runner = CliRunner()
    shown = runner.invoke(cli, ["bookings", "show", "1", "--state", location, "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["form"] == "purchase_invoice"
    assert [e["entity"] for e in data["exports"]] == ["purchase_invoices"]
    assert data["invoice_record"]["number"] == "F-0"
    text = runner.invoke(cli, ["bookings", "show", "1", "--state", location])
    assert "goes out as a purchase invoice" in text.output
    listed = runner.invoke(cli, ["bookings", "list", "--state", location])
    assert "purchase invoice" in listed.output and "erp:" in listed.output
