"""Runs, cursors and resetting a flow."""

from __future__ import annotations

import pytest

from koppel.errors import StateError
from koppel.state import StateStore

from .conftest import Clock


def test_state_run_lifecycle(store: StateStore, clock: Clock) -> None:
    run_id = store.start_run("shop-to-exact", dry_run=True)
    running = store.get_run(run_id)
    assert running is not None
    assert (running.status, running.dry_run, running.finished_at) == ("running", True, None)
    assert running.started_at == clock.now
    clock.advance(seconds=5)
    store.finish_run(run_id, status="failed", counts={"created": 99, "failed": 1})
    done = store.get_run(run_id)
    assert done is not None
    assert done.status == "failed"
    assert done.counts == {"created": 99, "failed": 1}
    assert done.finished_at == clock.now


def test_state_runs_newest_first_per_flow(store: StateStore) -> None:
    ids = [store.start_run(flow) for flow in ("a", "b", "a", "a")]
    assert [r.id for r in store.runs("a")] == [ids[3], ids[2], ids[0]]
    assert [r.id for r in store.runs(limit=2)] == [ids[3], ids[2]]
    assert store.get_run(12345) is None


def test_state_finish_unknown_run_fails(store: StateStore) -> None:
    with pytest.raises(StateError, match="no run 999"):
        store.finish_run(999, status="ok", counts={})


def test_state_cursor_roundtrip(store: StateStore) -> None:
    assert store.get_cursor("f", "order") is None
    store.set_cursor("f", "order", "2024-05-01T00:00:00")
    store.set_cursor("f", "order", "2024-05-02T00:00:00")
    store.set_cursor("f", "customer", None)
    store.set_cursor("g", "order", "7")
    assert store.get_cursor("f", "order") == "2024-05-02T00:00:00"
    assert store.cursors("f") == {"order": "2024-05-02T00:00:00", "customer": None}


def test_state_reset_flow_keeps_bindings_unless_asked(store: StateStore) -> None:
    store.set_cursor("f", "order", "9")
    store.set_cursor("g", "order", "1")
    store.park("f", "order", "o1", {"id": "o1"}, "bad", "ValidationError", "9")
    store.bind("shop", "exact", "order", "o2", "X2", "h")
    store.reset_flow("f")
    assert store.cursors("f") == {}
    assert store.parked("f") == []
    assert store.get_cursor("g", "order") == "1"
    assert store.count_bindings("shop", "exact", "order") == 1
    store.reset_flow("f", bindings=("shop", "exact", "order"))
    assert store.count_bindings("shop", "exact", "order") == 0
