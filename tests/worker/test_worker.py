"""``koppel worker`` processes on PostgreSQL against sandboxes served on loopback: a job per
flow run, taken over when its worker dies, stopped between chunks on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from koppel.state import open_state
from koppel.state._engine import resolve_url
from koppel.testing import koppel_command

from .served import fresh_database, served_orders, start_worker, wait_for

pytestmark = pytest.mark.postgres
pytest.importorskip("procrastinate")

FLOW = "eaccounting-orders-to-accountview"


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    with fresh_database(postgres_url) as url:
        yield url


def _runs(state: str) -> list[tuple[int, str, int | None, str | None]]:
    with open_state(state) as store:
        return [(r.id, r.status, r.pid, r.message) for r in reversed(store.runs(None, 50))]


def _running_in(state: str, pid: int) -> bool:
    return any(status == "running" and run_pid == pid for _, status, run_pid, _ in _runs(state))


def _finished(state: str) -> bool:
    """Whether a run went to the end (it is "failed": one order names an unknown product)."""
    return any(status in ("ok", "failed") for _, status, _, _ in _runs(state))


def _jobs(state: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(resolve_url(state))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT task_name, status FROM procrastinate_jobs"))
            return [(str(task), str(status)) for task, status in rows]
    finally:
        engine.dispose()


def _enqueue(folder: Path, state: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        koppel_command("worker", "--flows", str(folder), "--state", state, "--enqueue", FLOW),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_killed_workers_job_is_taken_over_and_every_order_lands_once(
    tmp_path: Path, database: str
) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    with served_orders(folder, database, orders=150, latency=0.01, chunk_size=10) as served:
        env = served.env
        assert "job" in _enqueue(folder, database, env)
        assert "queued already" in _enqueue(folder, database, env)  # the queueing lock
        first = start_worker(folder, database, env, "--stalled-after", "5")
        try:
            wait_for(lambda: _running_in(database, first.pid), what="the first worker's run")
            wait_for(lambda: served.landed(), what="a first order written")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            others = [start_worker(folder, database, env, "--stalled-after", "5") for _ in range(2)]
            wait_for(
                lambda: _finished(database),
                timeout=120,
                what="a run that finished",
            )
        finally:
            for process in [first, *locals().get("others", [])]:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=60)
        good = {str(order["Number"]) for order in served.good_orders()}
        assert served.landed() == dict.fromkeys(good, 1)
        statuses = [status for _, status, _, _ in _runs(database)]
        assert statuses[0] == "crashed" and statuses[-1] == "failed", statuses


def test_sigterm_finishes_the_chunk_in_hand_and_queues_the_flow_again(
    tmp_path: Path, database: str
) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    with served_orders(folder, database, orders=150, latency=0.01, chunk_size=10) as served:
        env = served.env
        _enqueue(folder, database, env)
        first = start_worker(folder, database, env)
        wait_for(lambda: _running_in(database, first.pid), what="the run")
        wait_for(lambda: served.landed(), what="a first order written")
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
        (_, status, _, message), *_ = _runs(database)
        assert status == "stopped" and "the worker is stopping" in (message or "")
        landed = served.landed()
        assert landed and set(landed.values()) == {1}
        with open_state(database) as store:
            # what was written is booked: bound, and no write left in flight
            assert len(store.pending_writes(FLOW, "orders")) == 0
        assert ("koppel.run_flow", "todo") in _jobs(database)  # queued for the next worker
        second = start_worker(folder, database, env)
        try:
            wait_for(
                lambda: _finished(database),
                timeout=120,
                what="the second worker's run",
            )
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=60)
        good = {str(order["Number"]) for order in served.good_orders()}
        assert served.landed() == dict.fromkeys(good, 1)
