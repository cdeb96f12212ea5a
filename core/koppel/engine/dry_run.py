"""Built-in plugin "dry-run": answers ``upsert`` without writing anything.

The engine marks a dry run's connections with :data:`DRY_RUN`; this
plugin then answers every ``upsert`` first (``tryfirst``) with the id the
record has, or would get, so no connector needs an ``if dry_run`` of its own.
As a second guard, the engine calls ``upsert`` in a dry run through a hook
caller that leaves every system plugin out.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from koppel.plugins import hookimpl
from koppel.sync import Action, Connection, WriteResult

__all__ = ["DRY_RUN", "is_dry_run", "upsert"]

#: Key in ``Connection.cache`` that marks a dry run.
DRY_RUN = "koppel.dry-run"

_numbers = itertools.count(1)


def is_dry_run(connection: Connection) -> bool:
    """True when the engine runs ``connection``'s flow as a dry run."""
    return bool(connection.cache.get(DRY_RUN))


@hookimpl(tryfirst=True)
def upsert(
    connection: Connection,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult | None:
    """In a dry run, pretend the write succeeded; otherwise let the system plugin write."""
    if not is_dry_run(connection):
        return None
    new_id = target_id if target_id is not None else f"(new {next(_numbers)})"
    return WriteResult(target_id=new_id, response={"dry_run": True, "action": str(action)})
