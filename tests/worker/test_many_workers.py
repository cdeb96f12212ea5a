"""Four ``koppel worker`` processes on PostgreSQL, three flows into one Exact Online
division served on loopback (eAccounting orders as financial mutations, AccountView
articles as items, eAccounting customers as accounts), one worker killed with SIGKILL at
a random moment: the dead worker's job is taken over, every record lands exactly once,
and the division's 60 calls a minute are never exceeded (counted by the sandbox itself,
in Exact's fixed minute windows) with no call refused.

At 60 calls a minute the issue's 2,000 records take over half an hour, so CI runs
``KOPPEL_TEST_WORKER_RECORDS`` records (default 100); docs/operations.md gives the
figures of a run with 2,000.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from koppel.sandbox import Sandbox, SandboxEndpoint, point_flow, sandbox_for
from koppel.state import open_state
from koppel.testing import koppel_command

from .served import e2e, fresh_database, start_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
pytest.importorskip("procrastinate")

ROOT = Path(__file__).parents[2]
FLOW_FILES = {
    "eaccounting-orders-to-exact": ROOT / "examples" / "eaccounting-orders-to-exact.toml",
    "accountview-products-to-exact": Path(__file__).parent / "flows"
    / "accountview-products-to-exact.toml",
    "eaccounting-customers-to-exact": Path(__file__).parent / "flows"
    / "eaccounting-customers-to-exact.toml",
}  # fmt: skip
RECORDS = int(os.environ.get("KOPPEL_TEST_WORKER_RECORDS", "100"))
PER_MINUTE = 60


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    with fresh_database(postgres_url) as url:
        yield url


def _statuses(state: str) -> dict[str, list[tuple[str, int | None]]]:
    with open_state(state) as store:
        found: dict[str, list[tuple[str, int | None]]] = {}
        for run in reversed(store.runs(None, 500)):
            found.setdefault(run.flow, []).append((run.status, run.pid))
        return found


def _all_finished(state: str) -> bool:
    statuses = _statuses(state)
    return all(
        any(status in ("ok", "failed") for status, _ in statuses.get(flow, []))
        for flow in FLOW_FILES
    )


def _counted_calls(box: Sandbox) -> tuple[list[float], list[float]]:
    """The moments of every call the sandbox counts against its rate limit from now on,
    and of those its own throttle refused."""
    moments: list[float] = []
    refused: list[float] = []
    throttle = box.throttle

    def counting(request: httpx.Request) -> httpx.Response | None:
        moments.append(box.clock.now())
        answer = throttle(request)
        if answer is not None:
            refused.append(moments[-1])
        return answer

    box.throttle = counting  # type: ignore[method-assign]
    return moments, refused


def test_four_workers_one_killed_every_record_lands_once_within_the_limit(
    tmp_path: Path, database: str
) -> None:
    rng = random.Random(7)
    products = RECORDS // 2
    folder = tmp_path / "flows"
    folder.mkdir()
    with ExitStack() as stack:
        ea = sandbox_for("eaccounting", seed=3, volume=RECORDS - products)
        av = sandbox_for("accountview", seed=3, volume=products)
        exact = sandbox_for("exact-online", seed=3)
        assert exact.rate_limit is not None and exact.rate_limit.per_minute == PER_MINUTE
        calls, throttled = _counted_calls(exact)
        boxes = {"eaccounting": ea, "accountview": av, "exact-online": exact}
        endpoints = {
            system: SandboxEndpoint.of(box, stack.enter_context(box.serve("127.0.0.1", 0)).url)
            for system, box in boxes.items()
        }
        env = {
            **os.environ,
            "KOPPEL_SECRET_KEY": Fernet.generate_key().decode(),
            "KOPPEL_LOG_LEVEL": "warning",
        }
        for name, path in FLOW_FILES.items():
            systems = {"exact-online", name.split("-", 1)[0]}
            pointed = point_flow(
                path, folder / f"{name}.toml", [endpoints[s] for s in sorted(systems)]
            )
            env.update(pointed.env)
            e2e.grant_tokens(database, pointed.connections, boxes, env)
        args = ["--flows", str(folder), "--state", database]
        for name in FLOW_FILES:
            queued = subprocess.run(
                koppel_command("worker", *args, "--enqueue", name),
                env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert queued.returncode == 0, queued.stderr
        workers = [
            start_worker(folder, database, env, "--stalled-after", "5", "--concurrency", "1")
            for _ in range(4)
        ]
        started = time.monotonic()
        try:
            pids = {w.pid: w for w in workers}

            def busy() -> list[int]:
                return [
                    pid
                    for runs in _statuses(database).values()
                    for status, pid in runs
                    if status == "running" and pid in pids
                ]

            while True:  # a worker in the middle of a run, at a random moment
                wait_for(busy, what="a running run")
                time.sleep(rng.uniform(0.5, 5))
                if running := busy():
                    victim = pids[running[0]]
                    break
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=30)
            budget = 120 + 3 * RECORDS  # a call or two a record at one a second
            wait_for(lambda: _all_finished(database), timeout=budget, what="every flow")
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
                    worker.wait(timeout=60)
        took = time.monotonic() - started

    statuses = _statuses(database)
    assert any(status == "crashed" for runs in statuses.values() for status, _ in runs), statuses
    # every record once: orders as journal entries by their number (first line), items by code,
    # accounts by e-mail (one eAccounting customer shares another's address: parked)
    with open_state(database) as store:
        parked = {flow: len(store.parked(flow)) for flow in FLOW_FILES}
    entries = Counter(  # the debtor line says "order NUMBER"
        row["GeneralJournalEntryLines"][0]["Description"]
        for row in exact.store["GeneralJournalEntries"].all()
    )
    assert entries and max(entries.values()) == 1, entries.most_common(3)
    orders = len(ea.store["orders"].all())
    assert sum(entries.values()) + parked["eaccounting-orders-to-exact"] == orders
    items = Counter(row["Code"] for row in exact.store["Items"].all())
    assert items and max(items.values()) == 1
    accounts = Counter(
        str(row.get("Email") or "").lower()
        for row in exact.store["Accounts"].all()
        if row.get("Email")
    )
    assert accounts and max(accounts.values()) == 1, accounts.most_common(3)
    # the division's budget, as the sandbox counted it
    per_window = Counter(int(moment // 60) for moment in calls)
    assert exact.rate_limit is not None and exact.rate_limit.rejected == 0 and not throttled
    assert max(per_window.values()) <= PER_MINUTE, sorted(per_window.items())
    print(
        f"\n{RECORDS} records, {len(calls)} Exact calls in {took:.0f} s; "
        f"busiest minute {max(per_window.values())} calls; parked {parked}"
    )
