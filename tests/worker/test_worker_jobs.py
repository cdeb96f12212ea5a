"""The worker's jobs in this process, on a PostgreSQL database of their own: a run that
pauses on a spent day budget is queued again for the reset; the tick queues the flows
their schedule made due, once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from koppel.alerts import load_alerts
from koppel.engine.memory import MemorySystem
from koppel.errors import DayBudgetSpentError
from koppel.flows import Flow, parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore, open_state
from koppel.state._engine import resolve_url

from .conftest import Receiver
from .served import fresh_database

pytestmark = pytest.mark.postgres
pytest.importorskip("procrastinate")

from koppel.worker import FlowWorker, conninfo_of, ensure_schema  # noqa: E402


@pytest.fixture
def store(postgres_url: str) -> Iterator[StateStore]:
    with fresh_database(postgres_url) as url, open_state(url) as opened:
        ensure_schema(conninfo_of(opened))
        yield opened


def _flow(name: str, **extra: Any) -> Flow:
    return parse_flow(
        {
            "name": name,
            "source": "shop",
            "target": "books",
            "entity": "customers",
            "connections": {"shop": {"system": "shop"}, "books": {"system": "books"}},
            **extra,
        }
    )


def _jobs(store: StateStore) -> list[tuple[str, str, datetime | None, dict[str, Any]]]:
    engine = sa.create_engine(resolve_url(conninfo_of(store)))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT task_name, status, scheduled_at, args FROM procrastinate_jobs")
            )
            return [(str(t), str(s), at, dict(args)) for t, s, at, args in rows]
    finally:
        engine.dispose()


def _systems() -> tuple[MemorySystem, MemorySystem, KoppelPluginManager]:
    shop, books = MemorySystem("shop"), MemorySystem("books")
    for n in range(1, 11):
        shop.put("customers", str(n), {"email": f"c{n}@example.com", "name": f"C {n}"})
    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.register(shop, "shop")
    pm.register(books, "books")
    return shop, books, pm


def test_a_paused_run_is_queued_again_for_the_reset_and_then_completes(store: StateStore) -> None:
    _, books, pm = _systems()
    reset = datetime(2030, 1, 2, tzinfo=UTC)

    def budget(entity: str, payload: Any) -> None:
        if len(books.writes) >= 5:
            raise DayBudgetSpentError(
                "rate limit spent for the day", resume_at=reset.timestamp(), system="books"
            )

    books.reject = budget
    flow = _flow("customers", settings={"chunk_size": 2, "concurrency": 1})
    worker = FlowWorker({flow.name: flow}, store, run_options={"manager": pm})
    worker.app.open()
    try:
        done = worker.run_job(flow.name)
        (run,) = store.runs(flow.name)
        assert run.status == "paused" and run.counts["failed"] == 0, run
        assert done["counts"]["created"] == 5 and store.parked(flow.name) == []
        assert store.get_cursor(flow.name, "customers") == "4"  # the last whole chunk
        assert [(t, s, at) for t, s, at, _ in _jobs(store)] == [("koppel.run_flow", "todo", reset)]
        books.reject = None
        worker.run_job(flow.name)
    finally:
        worker.app.close()
    assert store.runs(flow.name)[0].status == "ok"
    assert sorted(row["email"] for row in books.rows("customers").values()) == sorted(
        f"c{n}@example.com" for n in range(1, 11)
    )


def test_the_tick_queues_the_flows_their_schedule_made_due_once(store: StateStore) -> None:
    every_hour = _flow("hourly", schedule={"cron": "0 * * * *", "timezone": "Europe/Amsterdam"})
    at_nine = _flow("nine", schedule={"cron": "0 9 * * *", "timezone": "Europe/Amsterdam"})
    paused = _flow("paused", schedule="0 * * * *")
    by_hand = _flow("by-hand")
    flows = {f.name: f for f in (every_hour, at_nine, paused, by_hand)}
    worker = FlowWorker(flows, store)
    run = store.start_run("paused")
    store.pause_run(
        run,
        counts={},
        resume_at=datetime(2030, 1, 1, tzinfo=UTC),
        reason="rate limit spent for the day",
    )
    nine_amsterdam = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 09:00 in summer time

    async def ticks() -> list[list[str]]:
        async with worker.app.open_async():
            moments = [nine_amsterdam, nine_amsterdam, nine_amsterdam + timedelta(minutes=1)]
            return [await worker.tick(int(moment.timestamp())) for moment in moments]

    first, again, later = asyncio.run(ticks())
    assert sorted(first) == ["hourly", "nine"]
    assert again == [] and later == []  # queued once: the queueing lock, and nothing due
    assert sorted(args["flow"] for t, _, _, args in _jobs(store) if t == "koppel.run_flow") == [
        "hourly",
        "nine",
    ]


def test_the_worker_alerts_after_a_run_once_per_new_problem(
    store: StateStore, webhook: type[Receiver], tmp_path: Path
) -> None:
    _, books, pm = _systems()
    books.reject = lambda entity, payload: (
        "no e-mail domain example.com" if payload.get("email") == "c3@example.com" else None
    )
    path = tmp_path / "alerts.toml"
    path.write_text(f'[webhook]\nurl = "{webhook.url}"\nsecret = "s"\n')  # type: ignore[attr-defined]
    flow = _flow("customers")
    worker = FlowWorker(
        {flow.name: flow}, store, alerts=load_alerts(path), run_options={"manager": pm}
    )
    worker.app.open()
    try:
        worker.run_job(flow.name)
        worker.run_job(flow.name)  # the record is still parked: nothing new to tell
        assert len(webhook.received) == 1
        assert b"parked:customers:3" in webhook.received[0][1]
        books.reject = None
        store.mark_due(flow=flow.name)
        worker.run_job(flow.name)  # it syncs: resolved, told once
    finally:
        worker.app.close()
    assert len(webhook.received) == 2
    assert b'"resolved":[{"key":"parked:customers:3"' in webhook.received[1][1]
