"""Test hook: kill this process at a named step of a run, to prove nothing is lost.

With ``KOPPEL_TEST_CRASH_AT`` set to a step's name (optionally ``name:N`` for
its N-th time), the run kills its own process with SIGKILL when it gets there,
as an operator's ``kill -9`` or a power cut would. Unset, a step costs one
dictionary lookup. The kill tests in ``tests/e2e`` use it; nothing else should.
"""

from __future__ import annotations

import os
import signal
import threading

from koppel.errors import ConfigurationError

__all__ = ["CRASH_ENV", "CRASH_STEPS", "check_crash_env", "crash_point"]

CRASH_ENV = "KOPPEL_TEST_CRASH_AT"

#: The steps of a chunk where a run can be killed, in the order they happen.
CRASH_STEPS = (
    "journaled",  # the chunk's writes are journaled, none sent yet
    "written",  # one write was answered, before anything else of it is stored
    "bound",  # a create that no match key finds again was bound right after it
    "sent",  # every write of the chunk is answered, nothing booked yet
    "booked",  # the chunk's bookkeeping committed
)

_seen: dict[str, int] = {}
_lock = threading.Lock()


def check_crash_env() -> None:
    """Refuse a ``$KOPPEL_TEST_CRASH_AT`` that names no step (before the run writes anything).

    :raises ConfigurationError: naming the value and the steps.
    """
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name not in CRASH_STEPS or (nth and not (nth.isdigit() and int(nth) > 0)):
        raise ConfigurationError(
            f"{CRASH_ENV}={wanted!r} is not STEP or STEP:N (N from 1); steps: "
            + ", ".join(CRASH_STEPS)
        )


def crash_point(step: str) -> None:
    """Kill this process here when ``$KOPPEL_TEST_CRASH_AT`` names ``step``."""
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != step:
        return
    with _lock:
        _seen[step] = _seen.get(step, 0) + 1
        if _seen[step] < int(nth or 1):
            return
    os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
