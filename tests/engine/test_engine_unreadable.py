"""Per-record isolation on the read side: a record the source plugin cannot read is parked,
the rest of the page lands; a page that is bad as a whole stops the run, the cursor stays."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from koppel import hookimpl
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import RejectedError, SourceRecordError, TransientError
from koppel.flows import Flow
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore
from koppel.sync import Connection, SourceRecord, read_each, read_id, read_text
from koppel.system import EntityInfo, SystemInfo

from .conftest import manager_of


class Feed:
    """A source whose rows are raw JSON values, read with koppel.sync.read_each."""

    def __init__(self, rows: list[Any], *, broken_after: int | None = None) -> None:
        self.rows = rows
        self.broken_after = broken_after

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(
            name="feed", title="Feed", entities=(EntityInfo(name="customers", read=True),)
        )

    @hookimpl
    def fetch_records(
        self, connection: Connection, entity: str, cursor: str | None, filters: Mapping[str, Any]
    ) -> Iterator[SourceRecord]:
        def read(row: Mapping[str, Any]) -> SourceRecord:
            if row.get("owner") == "gone":
                raise RejectedError("customer 'gone' does not exist (404)")
            return SourceRecord(id=read_id(row, "id"), data=row, cursor=read_text(row, "changed"))

        def rows() -> Iterator[Any]:
            for number, row in enumerate(self.rows):
                if self.broken_after is not None and number == self.broken_after:
                    raise TransientError("the API answered a page that is not JSON")
                yield row

        return read_each(rows(), read, id_field="id")


def good(n: int) -> dict[str, Any]:
    return {"id": f"c{n}", "name": f"C{n}", "email": f"c{n}@example.com", "changed": f"{n:04d}"}


@pytest.fixture
def flow_with(
    books: MemorySystem, make_flow: Callable[..., Flow]
) -> Callable[[Feed], tuple[Flow, KoppelPluginManager]]:
    def make(feed: Feed) -> tuple[Flow, KoppelPluginManager]:
        manager = manager_of(feed=feed, books=books)
        flow = make_flow(
            source="feed", connections={"feed": {"system": "feed"}, "books": {"system": "books"}}
        )
        return flow, manager

    return make


BAD_ROWS = [
    ("a text", "the record is text, not an object"),
    ({"name": "no id"}, "the record has no usable id: id is missing or null"),
    ({"id": {"nested": 1}, "name": "x"}, "the record has no usable id: id is an object"),
    ({"id": "c\x00x", "name": "x"}, "is empty or has control characters"),
    ({"id": "c98", "changed": 17}, "changed is a number, not text"),
    ({"id": "c99", "owner": "gone"}, "cannot read the record: customer 'gone' does not exist"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_ROWS)
def test_engine_unreadable_record_is_parked_and_the_rest_of_the_page_lands(
    bad: Any,
    message: str,
    books: MemorySystem,
    store: StateStore,
    flow_with: Callable[[Feed], tuple[Flow, KoppelPluginManager]],
) -> None:
    flow, manager = flow_with(Feed([good(1), bad, good(2)]))
    result = run_flow(flow, store, manager=manager)
    assert (result.counts["created"], result.counts["failed"]) == (2, 1)
    assert sorted(row["email"] for row in books.rows("customers").values()) == [
        "c1@example.com",
        "c2@example.com",
    ]
    [parked] = store.parked(flow.name)
    assert message in parked.message and parked.error == "SourceRecordError"
    assert store.get_cursor(flow.name, "customers") == "0002"

    store.mark_due(flow=flow.name)  # retried from its parked copy: still unreadable, no crash
    again = run_flow(flow, store, manager=manager, full=True)
    assert (again.counts["created"], again.counts["failed"]) == (0, 1)
    assert store.parked(flow.name)[0].attempts == 2
    assert len(books.rows("customers")) == 2


def test_engine_unreadable_record_retried_from_parking_keeps_its_message(
    store: StateStore, flow_with: Callable[[Feed], tuple[Flow, KoppelPluginManager]]
) -> None:
    feed = Feed([good(1), {"id": "c99", "owner": "gone"}])
    flow, manager = flow_with(feed)
    run_flow(flow, store, manager=manager)
    feed.rows = []  # the source does not send it again
    store.mark_due(flow=flow.name)
    result = run_flow(flow, store, manager=manager)
    assert result.counts["failed"] == 1
    [parked] = store.parked(flow.name)
    assert parked.attempts == 2 and "customer 'gone' does not exist" in parked.message
    feed.rows = [{**good(99), "owner": "here"}]  # fixed in the source: it lands and unparks
    fixed = run_flow(flow, store, manager=manager)
    assert fixed.counts["created"] == 1 and store.parked(flow.name) == []


def test_engine_page_bad_as_a_whole_stops_the_run_and_the_cursor_stays(
    store: StateStore, flow_with: Callable[[Feed], tuple[Flow, KoppelPluginManager]]
) -> None:
    flow, manager = flow_with(Feed([good(n) for n in range(1, 6)], broken_after=3))
    with pytest.raises(TransientError, match="not JSON"):
        run_flow(flow, store, manager=manager)
    assert store.get_cursor(flow.name, "customers") is None  # the chunk was never booked
    run = store.runs(flow.name)[0]
    assert run.status == "stopped" and "not JSON" in (run.message or "")


def test_engine_read_each_lets_stopping_errors_through() -> None:
    def read(row: Mapping[str, Any]) -> SourceRecord:
        raise TransientError("503 after retries")

    with pytest.raises(TransientError):
        list(read_each([{"id": "1"}], read, id_field="id"))


def test_engine_unreadable_id_is_stable_between_runs() -> None:
    first = SourceRecord.unreadable(["a", 1], ValueError("x"), id_field="id")
    second = SourceRecord.unreadable(["a", 1], ValueError("x"), id_field="id")
    assert first.id == second.id and first.id.startswith("unreadable:")
    assert isinstance(first.error, SourceRecordError)
    assert first.error.message == "cannot read the record: ValueError: x"


def test_engine_message_of_a_python_error_or_a_skip_is_cut() -> None:
    from koppel.engine._item import Item

    item = Item(index=0, record=SourceRecord(id="1", data={}))
    item.fail(ValueError("x" * 5_000_000))
    assert item.message is not None and len(item.message) < 600
    assert item.message.startswith("ValueError: xxx") and "(5,000,012 characters)" in item.message
    item.skip("status " + "y" * 10_000 + " is not in the flow's filter")
    assert item.message is not None and item.message.endswith("is not in the flow's filter")
    assert len(item.message) < 600


def test_engine_junk_cursor_of_the_last_record_is_not_stored(
    books: MemorySystem,
    store: StateStore,
    flow_with: Callable[[Feed], tuple[Flow, KoppelPluginManager]],
) -> None:
    junk = {**good(3), "changed": "0"}  # a change time of "0" sorted last by the source
    flow, manager = flow_with(Feed([good(1), good(2), junk]))
    result = run_flow(flow, store, manager=manager)
    assert result.counts["created"] == 3
    assert store.get_cursor(flow.name, "customers") == "0002"  # the newest read, not "0"


def test_engine_read_moment_takes_only_a_date_and_time() -> None:
    from koppel.sync import read_moment

    assert (
        read_moment({"at": "2024-05-01T10:00:00.1234567Z"}, "at") == "2024-05-01T10:00:00.1234567Z"
    )
    assert read_moment({}, "at") is None
    for junk in ("0", "yesterday", "zzzz"):
        with pytest.raises(SourceRecordError, match="is not a date and time") as raised:
            read_moment({"at": junk}, "at")
        assert raised.value.context["field"] == "at"


def test_engine_crash_hook_with_a_bad_value_stops_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch,
    books: MemorySystem,
    store: StateStore,
    flow_with: Callable[[Feed], tuple[Flow, KoppelPluginManager]],
) -> None:
    from koppel.errors import ConfigurationError

    flow, manager = flow_with(Feed([good(1)]))
    for bad in ("sent:x", "bogus", "sent:0"):
        monkeypatch.setenv("KOPPEL_TEST_CRASH_AT", bad)
        with pytest.raises(ConfigurationError, match="is not STEP or STEP:N"):
            run_flow(flow, store, manager=manager)
    assert books.rows("customers") == {}
