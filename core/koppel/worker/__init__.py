"""The worker: flows run as jobs on PostgreSQL, by their schedules, by as many workers as
you start (``koppel worker --flows DIR``); see docs/operations.md.

Needs the optional extra ``koppel[worker]`` (procrastinate)::

    from koppel.state import open_state
    from koppel.worker import FlowWorker, load_flows

    with open_state("postgresql://koppel@db/koppel") as store:
        worker = FlowWorker(load_flows(Path("/etc/koppel/flows")), store)
        worker.enqueue("shop-to-exact")
        worker.run()
"""

from __future__ import annotations

from koppel.worker._app import RUN_TASK, TICK_SECONDS, FlowWorker, WorkerStopping
from koppel.worker._flows import due, load_flows
from koppel.worker._schema import ensure_schema

__all__ = [
    "RUN_TASK",
    "TICK_SECONDS",
    "FlowWorker",
    "WorkerStopping",
    "due",
    "ensure_schema",
    "load_flows",
]
