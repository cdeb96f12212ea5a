"""The ubl source: files taken in, read once in arrival order, put aside after booking."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import ConfigurationError
from koppel.flows import Flow, parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.purchase import ubl
from koppel.purchase._folder import UblFolder
from koppel.state import StateStore
from koppel.sync import Connection, SourceRecord

from .conftest import sample

INVOICE = sample("invoice.xml")
CREDIT_NOTE = sample("creditnote.xml")


def drop(folder: Path, name: str, text: str, *, mtime: int | None = None) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, ns=(mtime, mtime))
    return path


def fetch(folder: Path, cursor: str | None = None, **settings: Any) -> list[SourceRecord]:
    connection = Connection(
        name="inbox", system="ubl", settings={"folder": str(folder), **settings}
    )
    try:
        hooks = ubl.connector
        return list(hooks.fetch_records(connection, "purchase_invoices", cursor, {}) or [])
    finally:
        connection.close()


def test_each_file_becomes_one_record_keyed_by_supplier_and_number(tmp_path: Path) -> None:
    drop(tmp_path, "a.xml", INVOICE)
    drop(tmp_path, "b.XML", CREDIT_NOTE)
    drop(tmp_path, "notes.txt", "not an invoice")
    records = fetch(tmp_path, administration="acme")
    assert [r.id for r in records] == ["NL854723456B01/F2026-0412", "BE0477472701/C2026-0007"]
    assert records[0].data["administration"] == "acme"
    assert records[0].data["id"] == records[0].id
    assert records[1].data["total_incl_vat"] == "-121.00"
    cursors = [int(r.cursor or 0) for r in records]
    assert cursors == sorted(cursors) and len(set(cursors)) == 2
    assert (tmp_path / "notes.txt").exists()
    assert sorted(p.name.partition("-")[2] for p in (tmp_path / "queue").iterdir()) == [
        "a.xml",
        "b.XML",
    ]


def test_a_malformed_file_is_unreadable_naming_file_and_element_and_the_rest_go_on(
    tmp_path: Path,
) -> None:
    drop(tmp_path, "1-bad.xml", INVOICE.replace("<cbc:IssueDate>2026-10-01<", "<cbc:IssueDate>x<"))
    drop(tmp_path, "2-good.xml", CREDIT_NOTE)
    bad, good = fetch(tmp_path)
    assert bad.id == "file:1-bad.xml"
    assert bad.error is not None
    assert "1-bad.xml: Invoice/cbc:IssueDate 'x' is not a date" in bad.error.message
    assert bad.cursor is not None
    assert good.error is None and good.id == "BE0477472701/C2026-0007"


def test_files_the_cursor_passed_are_put_aside_and_not_read_again(tmp_path: Path) -> None:
    drop(tmp_path, "a.xml", INVOICE)
    (first,) = fetch(tmp_path)
    drop(tmp_path, "b.xml", CREDIT_NOTE)
    (second,) = fetch(tmp_path, first.cursor)
    assert second.id == "BE0477472701/C2026-0007"
    assert [p.name.partition("-")[2] for p in (tmp_path / "processed").iterdir()] == ["a.xml"]
    assert fetch(tmp_path, second.cursor) == []


def test_a_file_moved_in_with_an_old_time_is_still_read(tmp_path: Path) -> None:
    drop(tmp_path, "new.xml", INVOICE)
    (first,) = fetch(tmp_path)
    drop(tmp_path, "old.xml", CREDIT_NOTE, mtime=1_000_000_000)
    (late,) = fetch(tmp_path, first.cursor)
    assert late.id == "BE0477472701/C2026-0007"
    assert int(late.cursor or 0) > int(first.cursor or 0)


def test_stamps_stay_after_the_cursor_when_the_clock_went_back(tmp_path: Path) -> None:
    future = str(2**62)
    drop(tmp_path, "a.xml", INVOICE)
    (record,) = fetch(tmp_path, future)
    assert int(record.cursor or 0) > 2**62


def test_a_missing_folder_is_a_configuration_error_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist") as caught:
        UblFolder(tmp_path / "missing", connection="inbox")
    assert caught.value.context["path"] == "settings.folder"


def test_a_foreign_cursor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a UBL folder stamp"):
        fetch(tmp_path, "2026-10-01T00:00:00")


# -- through the engine ---------------------------------------------------------


@pytest.fixture
def books() -> MemorySystem:
    return MemorySystem("books", entities={"purchase_invoices": ("number",)})


@pytest.fixture
def manager(books: MemorySystem) -> KoppelPluginManager:
    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.register(ubl.connector, "ubl")
    pm.register(books, "books")
    return pm


def flow_for(folder: Path) -> Flow:
    return parse_flow(
        {
            "name": "inbox-to-books",
            "source": "inbox",
            "target": "books",
            "entity": "purchase_invoices",
            "connections": {
                "inbox": {"system": "ubl", "settings": {"folder": str(folder)}},
                "books": {"system": "books"},
            },
        }
    )


def test_engine_books_each_invoice_once_and_parks_the_malformed(
    tmp_path: Path, store: StateStore, books: MemorySystem, manager: KoppelPluginManager
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    drop(folder, "a.xml", INVOICE)
    drop(folder, "b.xml", CREDIT_NOTE)
    drop(folder, "c.xml", "<Invoice")
    flow = flow_for(folder)
    first = run_flow(flow, store, manager=manager)
    assert (first.counts["created"], first.counts["parked"]) == (2, 1)
    (parked,) = store.parked(flow.name)
    assert parked.source_id == "file:c.xml"
    assert "c.xml: not well-formed XML" in parked.message
    drop(folder, "a-again.xml", INVOICE)  # the same invoice sent twice
    second = run_flow(flow, store, manager=manager)
    assert second.counts["created"] == 0
    assert len(books.writes) == 2
    assert sorted(p.name.partition("-")[2] for p in (folder / "processed").iterdir()) == [
        "a.xml",
        "b.xml",
        "c.xml",
    ]


def test_a_run_that_stored_no_cursor_reads_the_files_again_and_books_nothing_twice(
    tmp_path: Path, store: StateStore, books: MemorySystem, manager: KoppelPluginManager
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    drop(folder, "a.xml", INVOICE)
    drop(folder, "b.xml", CREDIT_NOTE)
    flow = flow_for(folder)
    assert run_flow(flow, store, manager=manager).counts["created"] == 2
    store.set_cursor(flow.name, flow.entity, None)  # as if the run died before storing it
    again = run_flow(flow, store, manager=manager)
    assert again.fetched == 2
    assert again.counts["created"] == again.counts["updated"] == 0
    assert len(books.writes) == 2
