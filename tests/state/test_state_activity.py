"""Activity log: what came in, what was sent, the answer; filters and purge."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from koppel.state import NewActivity, StateStore
from koppel.state._schema import activity

from .conftest import Clock


def test_state_activity_roundtrip_redacted(store: StateStore, clock: Clock) -> None:
    run_id = store.start_run("f")
    store.log_activity(
        run_id,
        "f",
        "order",
        "o1",
        "create",
        source={"id": "o1", "total": Decimal("12.50"), "customer": {"api_key": "k"}},
        sent={"Amount": 12.5, "Authorization": "Bearer x"},
        response={"ID": "X1"},
        message=None,
    )
    [entry] = store.activity(run_id)
    assert entry.source == {"id": "o1", "total": "12.50", "customer": {"api_key": "[redacted]"}}
    assert entry.sent == {"Amount": 12.5, "Authorization": "[redacted]"}
    assert entry.response == {"ID": "X1"}
    assert (entry.run_id, entry.flow, entry.entity, entry.action) == (
        run_id,
        "f",
        "order",
        "create",
    )
    assert entry.created_at == clock.now


def test_state_activity_many_and_filters(store: StateStore) -> None:
    run_a = store.start_run("f")
    run_b = store.start_run("g")
    store.log_activity_many(
        run_a,
        "f",
        [
            NewActivity(entity="order", record_id=f"o{n}", action="fail" if n == 3 else "create")
            for n in range(5)
        ],
    )
    store.log_activity_many(
        run_b, "g", [NewActivity(entity="customer", record_id="o3", action="skip")]
    )
    assert [e.record_id for e in store.activity(run_a)] == ["o0", "o1", "o2", "o3", "o4"]
    assert [e.record_id for e in store.activity(run_a, failed_only=True)] == ["o3"]
    assert [e.run_id for e in store.activity(record_id="o3")] == [run_a, run_b]
    assert [e.action for e in store.activity(flow="g")] == ["skip"]
    assert [e.record_id for e in store.activity(entity="order", limit=2)] == ["o3", "o4"]
    store.log_activity_many(run_a, "f", [])


def test_state_purge_older_than(store: StateStore, clock: Clock) -> None:
    store.log_activity(None, "f", "order", "old", "create")
    clock.advance(days=20)
    store.log_activity(None, "f", "order", "mid", "create")
    clock.advance(days=15)
    store.log_activity(None, "f", "order", "new", "create")
    assert store.purge_activity(timedelta(days=30)) == 1
    assert [e.record_id for e in store.activity()] == ["mid", "new"]
    assert store.purge_activity(timedelta(days=30)) == 0
    clock.advance(seconds=1)
    assert store.purge_activity(timedelta(0)) == 2


def test_state_activity_missing_documents_are_sql_null(store: StateStore) -> None:
    store.log_activity(None, "f", "order", "o1", "skip", sent={"a": 1})
    with store.engine.connect() as conn:
        nulls = conn.execute(
            sa.select(sa.func.count()).where(
                activity.c.source.is_(None), activity.c.sent.isnot(None)
            )
        ).scalar_one()
    assert nulls == 1
