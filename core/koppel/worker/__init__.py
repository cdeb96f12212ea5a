"""The worker: flows run as jobs on PostgreSQL, by their schedules, by as many workers as
you start (``koppel worker --flows DIR``); see docs/operations.md.

:class:`FlowWorker` needs the optional extra ``koppel[worker]`` (procrastinate); it is
imported on first use, so :func:`load_flows` and :func:`due` work without it::

    from koppel.state import open_state
    from koppel.worker import FlowWorker, conninfo_of, ensure_schema, load_flows

    with open_state("postgresql://koppel@db/koppel") as store:
        ensure_schema(conninfo_of(store))  # procrastinate's tables, once
        worker = FlowWorker(load_flows(Path("/etc/koppel/flows")), store)
        worker.run()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from koppel.worker._flows import due, load_flows

if TYPE_CHECKING:
    from koppel.worker._app import (
        RUN_TASK,
        TICK_SECONDS,
        FlowWorker,
        WorkerStopping,
        conninfo_of,
    )
    from koppel.worker._schema import ensure_schema

#: Public name -> the module that defines it (these need procrastinate).
_EXPORTS = {
    "RUN_TASK": "koppel.worker._app",
    "TICK_SECONDS": "koppel.worker._app",
    "FlowWorker": "koppel.worker._app",
    "WorkerStopping": "koppel.worker._app",
    "conninfo_of": "koppel.worker._app",
    "ensure_schema": "koppel.worker._schema",
}

__all__ = [
    "RUN_TASK",
    "TICK_SECONDS",
    "FlowWorker",
    "WorkerStopping",
    "conninfo_of",
    "due",
    "ensure_schema",
    "load_flows",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'koppel.worker' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
