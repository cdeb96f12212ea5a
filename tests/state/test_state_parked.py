"""Parked records: backoff, due, retry, discard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from koppel.errors import StateError
from koppel.state import StateStore, backoff

from .conftest import Clock


def park(store: StateStore, source_id: str = "o1", message: str = "bad", **kw: object) -> None:
    data = kw.pop("data", {"id": source_id, "total": "12.50"})
    store.park(
        kw.pop("flow", "f"),  # type: ignore[arg-type]
        "order",
        source_id,
        data,  # type: ignore[arg-type]
        message,
        "ValidationError",
        "cursor-7",
    )


def test_state_backoff_doubles_up_to_a_day() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(11) == timedelta(minutes=1024)
    assert backoff(12) == timedelta(days=1)
    assert backoff(10_000) == timedelta(days=1)


def test_state_park_keeps_data_and_message(store: StateStore, clock: Clock) -> None:
    park(store, data={"id": "o1", "lines": [{"sku": "A", "qty": 2}]}, message="field 'sku' missing")
    [record] = store.parked("f")
    assert record.data == {"id": "o1", "lines": [{"sku": "A", "qty": 2}]}
    assert (record.message, record.error, record.cursor) == (
        "field 'sku' missing",
        "ValidationError",
        "cursor-7",
    )
    assert record.attempts == 1
    assert record.first_failed_at == record.last_failed_at == clock.now
    assert record.next_attempt_at == clock.now + timedelta(minutes=1)


def test_state_park_again_counts_and_backs_off(store: StateStore, clock: Clock) -> None:
    first = clock.now
    park(store, message="one")
    clock.advance(minutes=3)
    park(store, message="two")
    clock.advance(minutes=3)
    park(store, message="three")
    [record] = store.parked()
    assert (record.attempts, record.message) == (3, "three")
    assert record.first_failed_at == first
    assert record.next_attempt_at == clock.now + timedelta(minutes=4)


def test_state_due_only(store: StateStore, clock: Clock) -> None:
    park(store, "o1")
    clock.advance(seconds=30)
    park(store, "o2")
    assert store.parked("f", due_only=True) == []
    clock.advance(seconds=31)
    assert [r.source_id for r in store.parked("f", due_only=True)] == ["o1"]
    assert store.parked("other", due_only=True) == []


def test_state_unpark(store: StateStore) -> None:
    for source_id in ("o1", "o2", "o3"):
        park(store, source_id)
    store.unpark("f", "order", "o2")
    assert store.unpark_many("f", "order", ["o1", "o9"]) == 1
    assert [r.source_id for r in store.parked()] == ["o3"]


def test_state_mark_due(store: StateStore, clock: Clock) -> None:
    park(store, "o1")
    park(store, "o2")
    park(store, "o3", flow="g")
    ids = [r.id for r in store.parked()]
    assert store.mark_due([ids[0]]) == 1
    assert [r.source_id for r in store.parked(due_only=True)] == ["o1"]
    assert store.mark_due(flow="g") == 1
    assert store.mark_due() == 3
    assert len(store.parked(due_only=True)) == 3


def test_state_discard_logs_activity(store: StateStore) -> None:
    park(store, "o1", message="VAT code missing")
    [record] = store.parked()
    store.discard(record.id)
    assert store.parked() == []
    [entry] = store.activity(record_id="o1")
    assert entry.action == "discard"
    assert entry.message == "discarded after 1 attempt: VAT code missing"
    assert entry.source == record.data
    with pytest.raises(StateError, match=f"no parked record {record.id}"):
        store.discard(record.id)
