"""Bookings exported by flows whose source is the booking system: journal entries to the
finance ERP and commitment bookings to the commitments' system, each once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import ConfigurationError
from koppel.purchase import booking
from koppel.state import StateStore
from koppel.sync import Connection

from ._make import drop, export_flow, invoices_flow, manager, ubl_invoice
from .test_booking_flow import commit


def booked(store: StateStore, tmp_path: Path, count: int) -> None:
    """``count`` invoices booked on commitments VP-<n> (afas) and BOUW-<n> (exact-bouw)."""
    for n in range(count):
        commit(store, f"VP-{n}")
        commit(store, f"BOUW-{n}", source="exact-bouw")
        drop(tmp_path / "in", f"f{n}.xml", ubl_invoice(f"F-{n}", orders=(f"VP-{n}",)))
    drop(tmp_path / "in", "both.xml", ubl_invoice("F-B", orders=("BOUW-0",)))
    result = run_flow(invoices_flow(tmp_path / "in"), store, manager=manager())
    assert result.counts["failed"] == 0, store.parked()


def test_journal_entries_are_exported_once_and_balanced(store: StateStore, tmp_path: Path) -> None:
    booked(store, tmp_path, 3)
    erp = MemorySystem("erp", entities={"journal_entries": ("reference",)})
    flow = export_flow("journal_entries", "erp", "erp")
    first = run_flow(flow, store, manager=manager(erp))
    assert first.counts["created"] == 4 and first.counts["failed"] == 0
    rows = erp.rows("journal_entries")
    assert len(rows) == 4
    for row in rows.values():
        assert sum(Decimal(line["amount"]) for line in row["lines"]) == 0
        assert row["lines"][0]["account"] == "1600"
    assert {row["reference"] for row in rows.values()} == {
        "CRED-2001/F-0",
        "CRED-2001/F-1",
        "CRED-2001/F-2",
        "CRED-2001/F-B",
    }
    writes = len(erp.writes)
    again = run_flow(flow, store, manager=manager(erp))
    assert again.counts["created"] == again.counts["updated"] == 0
    assert len(erp.writes) == writes
    # A booking made later is exported by the next run, alone.
    commit(store, "VP-9")
    drop(tmp_path / "in", "late.xml", ubl_invoice("F-9", orders=("VP-9",)))
    run_flow(invoices_flow(tmp_path / "in"), store, manager=manager())
    third = run_flow(flow, store, manager=manager(erp))
    assert third.counts["created"] == 1 and len(erp.rows("journal_entries")) == 5


def test_commitment_bookings_go_to_the_system_holding_the_commitment(
    store: StateStore, tmp_path: Path
) -> None:
    booked(store, tmp_path, 2)
    bouw = MemorySystem("bouw", entities={"commitment_bookings": ()})
    flow = export_flow(
        "commitment_bookings",
        "bouw",
        "bouw",
        books={"settings": {"source_system": "exact-bouw"}},
    )
    first = run_flow(flow, store, manager=manager(bouw))
    assert first.counts["created"] == 1
    [row] = bouw.rows("commitment_bookings").values()
    assert row["commitment"] == "exact-bouw-BOUW-0" and row["invoice_number"] == "F-B"
    assert row["amount"] == "600.00" and row["handled"] is False
    again = run_flow(flow, store, manager=manager(bouw))
    assert again.counts["created"] == 0 and len(bouw.writes) == 1


def fetch(store: StateStore, entity: str, cursor: str | None, **settings: Any) -> list[Any]:
    connection = Connection(name="books", system="booking", settings=settings, state=store)
    try:
        return list(booking.connector.fetch_records(connection, entity, cursor, {}) or [])
    finally:
        connection.close()


def test_commitment_bookings_go_on_after_the_cursor_within_a_booking(
    store: StateStore, tmp_path: Path
) -> None:
    commit(store, "VP-1", open_amount="100.00")
    commit(store, "VP-2")
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", orders=("VP-1", "VP-2")))
    run_flow(invoices_flow(tmp_path / "in"), store, manager=manager())
    records = fetch(store, "commitment_bookings", None)
    assert [(r.cursor, r.data["commitment"], r.data["amount"]) for r in records] == [
        ("1.0001", "afas-VP-1", "100.00"),
        ("1.0002", "afas-VP-2", "500.00"),
    ]
    assert [r.cursor for r in fetch(store, "commitment_bookings", "1.0001")] == ["1.0002"]
    assert fetch(store, "commitment_bookings", "1.0002") == []
    assert [r.id for r in fetch(store, "journal_entries", None)] == ["1"]
    assert fetch(store, "journal_entries", "1") == []
    assert fetch(store, "journal_entries", None, administration="other") == []


def test_a_cursor_that_is_no_position_is_refused_naming_it(store: StateStore) -> None:
    with pytest.raises(ConfigurationError, match="the stored cursor 'abc' is no booking position"):
        fetch(store, "commitment_bookings", "abc")


def commitments_flow(source_system: str) -> Any:
    from koppel.flows import parse_flow

    return parse_flow(
        {
            "name": f"{source_system}-commitments",
            "source": "src",
            "target": "register",
            "entity": "commitments",
            "connections": {
                "src": {"system": "src"},
                "register": {"system": "register", "settings": {"source_system": source_system}},
            },
        }
    )


def test_a_commitment_read_again_stays_lowered_by_what_its_source_does_not_know(
    store: StateStore, tmp_path: Path
) -> None:
    src = MemorySystem("src", entities={"commitments": ("code",)})
    ordered: dict[str, Any] = {
        "id": "c-1",
        "code": "VP-1",
        "supplier": "CRED-2001",
        "gl_account": "7010",
        "amount": "1000.00",
        "open_amount": "1000.00",
    }
    src.put("commitments", "c-1", ordered)
    run_flow(commitments_flow("afas"), store, manager=manager(src))
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", buyer_reference="VP-1"))
    run_flow(invoices_flow(tmp_path / "in"), store, manager=manager())
    [registered] = store.commitments()
    assert registered.commitment.open_amount == Decimal("400.00")
    # AFAS changes the commitment (it knows nothing of the booking): still 400 open.
    src.put("commitments", "c-1", {**ordered, "description": "changed"})
    assert run_flow(commitments_flow("afas"), store, manager=manager(src)).counts["updated"] == 1
    [again] = store.commitments()
    assert again.commitment.description == "changed"
    assert again.commitment.open_amount == Decimal("400.00")


def test_once_exported_the_source_s_own_open_amounts_count(
    store: StateStore, tmp_path: Path
) -> None:
    src = MemorySystem("src", entities={"commitments": ("code",)})
    line = {"id": "L-1", "delivery_notes": ["LB-1"], "amount": "1000.00", "open_amount": "1000.00"}
    contract: dict[str, Any] = {
        "id": "88000",
        "code": "IO-1",
        "supplier": "CRED-2001",
        "delivery_notes": ["LB-1"],
        "amount": "1000.00",
        "open_amount": "1000.00",
        "lines": [line],
    }
    src.put("commitments", "88000", contract)
    run_flow(commitments_flow("bouw"), store, manager=manager(src))
    drop(tmp_path / "in", "f1.xml", ubl_invoice("F-1", delivery_notes=("LB-1",)))
    flow = invoices_flow(tmp_path / "in", delivery_note_sources=["bouw"])
    assert run_flow(flow, store, manager=manager()).counts["created"] == 1
    # Read again before the booking reached Bouw: still lowered, on the line too.
    src.put("commitments", "88000", {**contract, "description": "again"})
    run_flow(commitments_flow("bouw"), store, manager=manager(src))
    [registered] = store.commitments()
    assert registered.commitment.open_amount == Decimal("400.00")
    assert registered.commitment.lines[0].open_amount == Decimal("400.00")
    # Exported to Bouw, which lowered its own line: its amounts are taken as they are.
    target = MemorySystem("bouw", entities={"commitment_bookings": ()})
    export = export_flow(
        "commitment_bookings", "bouw", "bouw", books={"settings": {"source_system": "bouw"}}
    )
    assert run_flow(export, store, manager=manager(target)).counts["created"] == 1
    lowered = {**line, "open_amount": "400.00"}
    src.put("commitments", "88000", {**contract, "open_amount": "400.00", "lines": [lowered]})
    run_flow(commitments_flow("bouw"), store, manager=manager(src))
    [after] = store.commitments()
    assert after.commitment.open_amount == Decimal("400.00")
    assert after.commitment.lines[0].open_amount == Decimal("400.00")
