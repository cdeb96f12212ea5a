"""``koppel run`` killed with SIGKILL, again and again, loses and doubles nothing.

The orders flow runs as a subprocess against sandboxes served over HTTP by this
process. It is killed once at each step of a chunk's bookkeeping (through the
``KOPPEL_TEST_CRASH_AT`` test hook) and then at 30 random moments, started again
after each kill, and finally run to the end. Then every paid order is in
AccountView exactly once, every debtor once, no run is left ``running``, and
every order that landed has an activity entry showing what was sent for it.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from koppel.state import open_state

from .served import served_orders

KILLS = 30
#: Steps of a chunk to die at once each: ``name:N`` is the N-th time the run gets there.
CRASH_AT = ("journaled", "written:7", "sent", "booked:2", "journaled:3")


def running(state: str, process: subprocess.Popen[str], timeout: float = 60.0) -> bool:
    """Whether the run of ``process`` is recorded as running (waits for it), False when
    the process ended first."""
    pid = process.pid
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with sqlite3.connect(f"file:{state}?mode=ro", uri=True) as db:
            try:
                found = db.execute(
                    "SELECT 1 FROM koppel_runs WHERE pid = ? AND status = 'running'", (pid,)
                ).fetchone()
            except sqlite3.OperationalError:  # not created yet
                found = None
        if found:
            return True
        time.sleep(0.02)
    return False


def test_kill_at_any_moment_loses_and_doubles_no_record(tmp_path: Path) -> None:
    rng = random.Random(1)
    state = str(tmp_path / "state.sqlite3")
    with served_orders(tmp_path, state, orders=2400, latency=0.001, chunk_size=25) as served:
        good = {str(o["Number"]): o["Id"] for o in served.good_orders()}
        for step in CRASH_AT:
            run = served.start(crash_at=step)
            assert run.wait(timeout=120) == -signal.SIGKILL, (step, run.communicate())
        killed = 0
        for _ in range(KILLS * 2):
            run = served.start()
            if running(state, run):  # past start-up, however loaded the machine is
                time.sleep(rng.uniform(0.0, 1.2))
                if run.poll() is None:
                    run.send_signal(signal.SIGKILL)
                    killed += 1
            run.wait(timeout=120)
            if killed == KILLS:
                break
        assert killed == KILLS
        final = served.start()
        _, err = final.communicate(timeout=300)
        assert final.returncode == 1, err  # the order with the unknown product stays parked

        landed = served.landed()
        assert landed == {number: 1 for number in good}, landed.most_common(3)
        assert max(served.debtors().values()) == 1

        rerun = served.start()
        rerun.communicate(timeout=120)
        assert served.landed() == landed

    with open_state(state) as store:
        runs = store.runs(limit=1000)
        assert [r.id for r in runs if r.status == "running"] == []
        crashed = [r for r in runs if r.status == "crashed"]
        assert len(crashed) == len(CRASH_AT) + KILLS
        assert {r.message for r in crashed} == {
            "the process ended during the run (found by a later run)"
        }
        entries = store.activity(limit=100_000)
    sent = {
        e.record_id: e
        for e in entries
        if e.action in ("create", "recovered") and e.sent is not None
    }
    missing = [number for number, source_id in good.items() if source_id not in sent]
    assert missing == [], f"{len(missing)} landed orders have no activity entry: {missing[:5]}"
    recovered = [e for e in entries if e.action == "recovered"]
    assert recovered, "no kill struck between a write and its bookkeeping"
    assert all("which crashed" in (e.message or "") for e in recovered)
