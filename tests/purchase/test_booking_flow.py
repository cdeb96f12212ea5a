"""Purchase invoices matched to the commitments register and booked by a flow (ubl ->
booking): remainders, invoices parked with their candidates, an operator's choice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from koppel.cli import cli
from koppel.engine import run_flow
from koppel.errors import ConfigurationError
from koppel.records import Commitment, JournalEntry, structure
from koppel.state import StateStore

from ._make import drop, invoices_flow, manager, ubl_invoice

INVOICE_ID = "CRED-2001/F-1"


def commit(store: StateStore, code: str, *, source: str = "afas", **fields: Any) -> int:
    """A commitment of supplier CRED-2001 in the register (from ``source``); its register id."""
    values: dict[str, Any] = {
        "id": f"{source}-{code}",
        "code": code,
        "administration": "acme",
        "supplier": "CRED-2001",
        "gl_account": "7010",
        "amount": "1000.00",
        "open_amount": "1000.00",
        **fields,
    }
    commitment = structure(values, Commitment)
    return store.save_commitment(commitment, source_system=source, source_id=values["id"])


def entry_of(store: StateStore, invoice: str = INVOICE_ID) -> JournalEntry:
    booking = store.booking_of_invoice(invoice)
    assert booking is not None
    return structure(booking.entry, JournalEntry)


def test_a_matched_invoice_is_booked_once_and_lowers_the_commitment(
    store: StateStore, tmp_path: Path
) -> None:
    rid = commit(store, "VP-1")
    inbox = tmp_path / "inbox"
    drop(inbox, "f1.xml", ubl_invoice("F-1", buyer_reference="VP-1"))
    flow = invoices_flow(inbox)
    result = run_flow(flow, store, manager=manager())
    assert result.counts["created"] == 1 and result.counts["failed"] == 0
    entry = entry_of(store)
    assert entry.balance == 0
    assert [(line.account, line.amount) for line in entry.lines] == [
        ("1600", Decimal("-726.00")),
        ("7010", Decimal("600.00")),
        ("1510", Decimal("126.00")),
    ]
    assert entry.lines[0].relation == "CRED-2001" and entry.reference == INVOICE_ID
    registered = store.commitment(rid)
    assert registered is not None
    assert registered.commitment.open_amount == Decimal("400.00")
    assert not registered.commitment.handled
    # The same invoice again (another file): not booked twice, not lowered twice.
    drop(inbox, "f1-again.xml", ubl_invoice("F-1", buyer_reference="VP-1"))
    again = run_flow(flow, store, manager=manager())
    assert again.counts["created"] == 0 and again.counts["failed"] == 0
    assert len(store.bookings_after(0)) == 1
    assert store.commitment(rid).commitment.open_amount == Decimal("400.00")  # type: ignore[union-attr]


def test_remainder_close_handles_the_commitment(store: StateStore, tmp_path: Path) -> None:
    rid = commit(store, "VP-1")
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", buyer_reference="VP-1"))
    run_flow(invoices_flow(tmp_path / "in", remainder="close"), store, manager=manager())
    registered = store.commitment(rid)
    assert registered is not None and registered.commitment.handled
    assert registered.commitment.open_amount == Decimal("0")


def test_remainder_book_difference_books_it_on_its_account(
    store: StateStore, tmp_path: Path
) -> None:
    rid = commit(store, "VP-1", open_amount="550.00")
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", buyer_reference="VP-1"))
    flow = invoices_flow(tmp_path / "in", remainder="book_difference", difference_account="7999")
    assert run_flow(flow, store, manager=manager()).counts["created"] == 1
    entry = entry_of(store)
    assert entry.balance == 0
    amounts = {line.account: line.amount for line in entry.lines}
    assert amounts["7010"] == Decimal("550.00") and amounts["7999"] == Decimal("50.00")
    booking = store.booking_of_invoice(INVOICE_ID)
    assert booking is not None
    assert [b["record"]["amount"] for b in booking.commitment_bookings] == ["550.00"]
    assert store.commitment(rid).commitment.handled  # type: ignore[union-attr]


def test_an_ambiguous_invoice_is_parked_with_its_candidates_until_an_operator_chooses(
    store: StateStore, state_at: Any, tmp_path: Path
) -> None:
    first = commit(store, "VP-1", internal_reference="REF-9")
    second = commit(store, "VP-2", internal_reference="REF-9")
    other = commit(store, "VP-3", supplier="CRED-9999", internal_reference="REF-9")
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", buyer_reference="REF-9"))
    flow = invoices_flow(tmp_path / "in")
    result = run_flow(flow, store, manager=manager())
    assert result.counts["failed"] == 1
    [parked] = store.parked(flow.name)
    assert parked.source_id == INVOICE_ID
    assert "reference REF-9 matches 2 commitments" in parked.message
    assert f"candidates: {first} VP-1 (afas, GL 7010, open 1000.00" in parked.message
    assert f"{second} VP-2 (afas" in parked.message and f"{other} VP-3" not in parked.message
    assert store.booking_of_invoice(INVOICE_ID) is None
    elsewhere = CliRunner().invoke(
        cli, ["commitments", "match", INVOICE_ID, str(other), "--state", state_at.location]
    )
    assert f"note: commitment {other} is supplier CRED-9999's, not this invoice's" in (
        elsewhere.output
    )
    answer = CliRunner().invoke(
        cli,
        ["commitments", "match", INVOICE_ID, f"{second}:250", "--state", state_at.location],
    )
    assert answer.exit_code == 0, answer.output
    assert f"{INVOICE_ID}: commitment {second} for 250" in answer.output
    again = run_flow(flow, store, manager=manager())
    assert again.counts["created"] == 1 and again.counts["failed"] == 0
    assert store.parked(flow.name) == []
    assert store.commitment(second).commitment.open_amount == Decimal("750.00")  # type: ignore[union-attr]
    assert store.commitment(first).commitment.open_amount == Decimal("1000.00")  # type: ignore[union-attr]
    entry = entry_of(store)
    assert entry.balance == 0 and entry.lines[0].amount == Decimal("-726.00")


def test_an_unmatched_invoice_lists_the_supplier_s_open_commitments(
    store: StateStore, tmp_path: Path
) -> None:
    rid = commit(store, "VP-1")
    commit(store, "VP-2", handled=True)
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", buyer_reference="NOPE"))
    result = run_flow(invoices_flow(tmp_path / "in"), store, manager=manager())
    assert result.counts["failed"] == 1
    [parked] = store.parked("purchase-invoices")
    assert "no open commitment of the supplier matches a reference" in parked.message
    assert f"candidates: {rid} VP-1" in parked.message and "VP-2" not in parked.message


def test_a_wrong_gl_account_is_named_with_the_refused_commitment(
    store: StateStore, tmp_path: Path
) -> None:
    rid = commit(store, "VP-1", gl_account="7020")
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", buyer_reference="VP-1"))
    run_flow(invoices_flow(tmp_path / "in"), store, manager=manager())
    [parked] = store.parked("purchase-invoices")
    assert f"{rid} VP-1 (afas, GL 7020" in parked.message
    assert "its GL account 7020 is on no invoice line (7010)" in parked.message


def test_without_a_creditor_account_the_run_stops_naming_the_setting(
    store: StateStore, tmp_path: Path
) -> None:
    commit(store, "VP-1")
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", buyer_reference="VP-1"))
    flow = invoices_flow(tmp_path / "in", creditor_account=None)
    with pytest.raises(ConfigurationError, match="the setting creditor_account is required"):
        run_flow(flow, store, manager=manager())
    assert store.bookings_after(0) == []


def test_the_difference_is_taken_from_the_commitments_account(
    store: StateStore, tmp_path: Path
) -> None:
    commit(store, "VP-1", open_amount="650.00")
    lines = (("300.00", "7010"), ("400.00", "7020"))
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", buyer_reference="VP-1", lines=lines))
    flow = invoices_flow(tmp_path / "in", remainder="book_difference", difference_account="7999")
    assert run_flow(flow, store, manager=manager()).counts["created"] == 1
    amounts = {line.account: line.amount for line in entry_of(store).lines}
    assert amounts["7010"] == Decimal("250.00") and amounts["7020"] == Decimal("400.00")
    assert amounts["7999"] == Decimal("50.00")
