"""A supplier that gives no creditor number is found by its VAT number: in the booking
setting ``creditors``, else in earlier bookings; several numbers or none park the
invoice saying so."""

from __future__ import annotations

from pathlib import Path

import pytest

from koppel.engine import run_flow
from koppel.errors import ValidationError
from koppel.purchase.creditors import creditor_table
from koppel.records import JournalEntry, structure
from koppel.state import StateStore

from ._make import drop, invoices_flow, manager, ubl_invoice
from .test_booking_flow import commit

VAT = "NL854723456B01"


def run(store: StateStore, folder: Path, **settings: object) -> None:
    run_flow(invoices_flow(folder, **settings), store, manager=manager())


def relation_of(store: StateStore, invoice: str) -> str | None:
    booking = store.booking_of_invoice(invoice)
    assert booking is not None, store.parked()
    return structure(booking.entry, JournalEntry).lines[0].relation


def test_an_earlier_booking_gives_the_creditor_number(store: StateStore, tmp_path: Path) -> None:
    commit(store, "VP-1")
    commit(store, "VP-2")
    drop(tmp_path / "in", "a.xml", ubl_invoice("F-1", vat_number=VAT, orders=("VP-1",)))
    run(store, tmp_path / "in")
    # The next invoice of that supplier gives only its VAT number.
    drop(
        tmp_path / "in",
        "b.xml",
        ubl_invoice("F-2", supplier=None, vat_number=VAT, orders=("VP-2",)),
    )
    run(store, tmp_path / "in")
    assert store.parked() == []
    booking = store.booking_of_invoice(f"{VAT}/F-2")
    assert booking is not None and booking.invoice_record is not None
    assert booking.invoice_record["supplier"]["number"] == "CRED-2001"
    assert relation_of(store, f"{VAT}/F-2") == "CRED-2001"
    # Matched on the commitment of CRED-2001, found through the number.
    assert [item["record"]["commitment"] for item in booking.commitment_bookings] == ["afas-VP-2"]


def test_the_creditors_setting_gives_the_number(store: StateStore, tmp_path: Path) -> None:
    commit(store, "VP-1")
    drop(
        tmp_path / "in",
        "a.xml",
        ubl_invoice("F-1", supplier=None, vat_number=VAT, orders=("VP-1",)),
    )
    run(store, tmp_path / "in", creditors={"NL 8547.23.456.B01": "CRED-2001"})
    assert store.parked() == []
    assert relation_of(store, f"{VAT}/F-1") == "CRED-2001"


def test_an_unknown_vat_number_is_parked_saying_where_it_was_looked_for(
    store: StateStore, tmp_path: Path
) -> None:
    commit(store, "VP-1")
    drop(
        tmp_path / "in",
        "a.xml",
        ubl_invoice("F-1", supplier=None, vat_number=VAT, orders=("VP-1",)),
    )
    run(store, tmp_path / "in")
    [parked] = store.parked()
    assert parked.message.startswith(
        f"the supplier gives no creditor number and none is known for its VAT number {VAT}: "
        "no earlier booking names one and the booking setting creditors has none"
    )
    assert f'creditors = {{ "{VAT}" = "<number>" }}' in parked.message
    assert store.bookings_after(0) == []
    # The operator adds it; the invoice sent again is booked.
    drop(
        tmp_path / "in",
        "a2.xml",
        ubl_invoice("F-1", supplier=None, vat_number=VAT, orders=("VP-1",)),
    )
    run(store, tmp_path / "in", creditors={VAT: "CRED-2001"})
    assert relation_of(store, f"{VAT}/F-1") == "CRED-2001"
    assert store.parked() == []


def test_a_vat_number_of_two_creditors_is_parked_naming_both(
    store: StateStore, tmp_path: Path
) -> None:
    commit(store, "VP-1")
    commit(store, "VP-2", supplier="CRED-2002")
    commit(store, "VP-3")
    drop(tmp_path / "in", "a.xml", ubl_invoice("F-1", vat_number=VAT, orders=("VP-1",)))
    drop(
        tmp_path / "in",
        "b.xml",
        ubl_invoice("F-2", supplier="CRED-2002", vat_number=VAT, orders=("VP-2",)),
    )
    run(store, tmp_path / "in")
    drop(
        tmp_path / "in",
        "c.xml",
        ubl_invoice("F-3", supplier=None, vat_number=VAT, orders=("VP-3",)),
    )
    run(store, tmp_path / "in")
    [parked] = store.parked()
    assert (
        f"its VAT number {VAT} is that of 2 creditors in earlier bookings: "
        "CRED-2001 (booking 1), CRED-2002 (booking 2)"
    ) in parked.message


def test_commitments_kept_by_vat_number_need_no_creditor_number(
    store: StateStore, tmp_path: Path
) -> None:
    commit(store, "VP-1", supplier=VAT)
    drop(
        tmp_path / "in",
        "a.xml",
        ubl_invoice("F-1", supplier=None, vat_number=VAT, orders=("VP-1",)),
    )
    run(store, tmp_path / "in")
    assert store.parked() == []
    assert relation_of(store, f"{VAT}/F-1") == VAT


def test_a_creditors_key_that_is_no_vat_number_is_named() -> None:
    with pytest.raises(ValidationError, match="creditors: vat_number 'ACME' does not start"):
        creditor_table({"ACME": "CRED-1"})
