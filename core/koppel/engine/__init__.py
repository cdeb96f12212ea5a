"""The sync engine: runs a flow so that every record lands exactly once.

::

    from koppel.engine import run_flow
    from koppel.flows import load_flow
    from koppel.state import open_state

    flow = load_flow("shop-to-books.toml")
    with open_state(flow.state_location()) as store:
        result = run_flow(flow, store)
    print(result.counts)   # {"created": 10, "updated": 2, "deleted": 0, "skipped": 88, ...}

``compare_cursors`` orders two source cursors as the engine does (numbers,
then ISO date-times, then strings): within a run the stored cursor never goes back.

Dry runs go through the built-in plugin :mod:`koppel.engine.dry_run`;
:mod:`koppel.engine.memory` is an in-memory system for tests and benchmarks.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from koppel.engine._cursor import compare_cursors
    from koppel.engine._hash import content_hash, match_value
    from koppel.engine._outcome import COUNT_NAMES, RecordOutcome, RunObserver, RunResult
    from koppel.engine._runner import FlowRunner, run_flow

#: Public name -> the private module that defines it; imported on first use so
#: that loading the built-in dry-run plugin stays cheap.
_EXPORTS = {
    "COUNT_NAMES": "koppel.engine._outcome",
    "FlowRunner": "koppel.engine._runner",
    "RecordOutcome": "koppel.engine._outcome",
    "RunObserver": "koppel.engine._outcome",
    "RunResult": "koppel.engine._outcome",
    "compare_cursors": "koppel.engine._cursor",
    "content_hash": "koppel.engine._hash",
    "match_value": "koppel.engine._hash",
    "run_flow": "koppel.engine._runner",
}

__all__ = [
    "COUNT_NAMES",
    "FlowRunner",
    "RecordOutcome",
    "RunObserver",
    "RunResult",
    "compare_cursors",
    "content_hash",
    "match_value",
    "run_flow",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'koppel.engine' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
