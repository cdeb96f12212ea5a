"""The run lock: one run of a flow at a time, across processes; a dead holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from koppel.errors import FlowBusyError
from koppel.state import StateStore
from koppel.testing import StateTarget

HOLDER = """
import sys, time
from koppel.state import open_state
url, schema, ready = sys.argv[1], sys.argv[2] or None, sys.argv[3]
store = open_state(url, schema=schema)
with store.run_lock("orders"):
    store.start_run("orders")
    open(ready, "w").close()
    time.sleep(600)
"""


def hold_in_another_process(target: StateTarget, tmp_path: Path) -> subprocess.Popen[bytes]:
    """A process that takes the lock of flow "orders", starts a run and sleeps."""
    ready = tmp_path / "ready"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, target.url, target.schema or "", str(ready)]
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert holder.poll() is None, "the holder died"
        assert time.monotonic() < deadline, "the holder never took the lock"
        time.sleep(0.02)
    return holder


def test_state_run_lock_refuses_a_second_holder_naming_the_running_process(
    store: StateStore, target: StateTarget, tmp_path: Path
) -> None:
    holder = hold_in_another_process(target, tmp_path)
    try:
        with pytest.raises(FlowBusyError) as raised, store.run_lock("orders"):
            pass
        message = str(raised.value)
        assert message.startswith("flow orders is running since ")
        assert f"pid {holder.pid}" in message and "run 1" in message
        with store.run_lock("customers"):  # another flow is not held up
            pass
    finally:
        holder.kill()
        holder.wait()


def test_state_run_lock_of_a_killed_holder_is_free_and_its_run_closed_as_crashed(
    store: StateStore, target: StateTarget, tmp_path: Path
) -> None:
    holder = hold_in_another_process(target, tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert store.runs("orders")[0].status == "running"
    with store.run_lock("orders"):  # no waiting, no cleaning up by hand
        run = store.runs("orders")[0]
        assert run.status == "crashed" and run.finished_at is not None
        assert run.message == "the process ended during the run (found by a later run)"


def test_state_run_lock_keys_are_shared_between_flows(store: StateStore) -> None:
    with store.run_lock("a", ["bindings:shop:books:customers"]):
        with pytest.raises(FlowBusyError), store.run_lock("b", ["bindings:shop:books:customers"]):
            pass
        with store.run_lock("b", ["bindings:shop:books:orders"]):
            pass
    with store.run_lock("b", ["bindings:shop:books:customers"]):  # released
        pass


def test_state_run_lock_of_a_dry_run_does_not_hold_up_a_real_run(store: StateStore) -> None:
    with store.run_lock("orders", dry_run=True):
        dry = store.start_run("orders", dry_run=True)
        with store.run_lock("orders"):  # and does not close the dry run as dead
            pass
        info = store.get_run(dry)
        assert info is not None and info.status == "running"
        with pytest.raises(FlowBusyError), store.run_lock("orders", dry_run=True):
            pass


def test_state_finish_run_records_why_it_stopped(store: StateStore) -> None:
    run = store.start_run("orders")
    store.finish_run(run, status="stopped", counts={}, message="token revoked")
    info = store.get_run(run)
    assert info is not None
    assert (info.status, info.message, info.pid) == ("stopped", "token revoked", os.getpid())
    with pytest.raises(ValueError, match="cannot finish as 'running'"):
        store.finish_run(run, status="running", counts={})


def test_state_run_lock_held_by_another_flow_names_that_flow(store: StateStore) -> None:
    with store.run_lock("orders", ["bindings:shop:books:orders"]):
        store.start_run("orders")
        with (
            pytest.raises(FlowBusyError) as busy,
            store.run_lock("orders-copy", ["bindings:shop:books:orders"]),
        ):
            pass
    message = str(busy.value)
    assert message.startswith("flow orders-copy writes the same records as flow orders, which")
    assert "is running since" in message and f"pid {os.getpid()}" in message
