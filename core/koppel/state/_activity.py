"""The activity log: per record and run what came in, what was sent and the answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from koppel.log import redact
from koppel.state._base import StoreBase
from koppel.state._models import ActivityEntry, NewActivity
from koppel.state._schema import activity

__all__ = ["FAILED_ACTIONS", "ActivityMixin", "clean"]

#: Actions that ``failed_only`` selects.
FAILED_ACTIONS = ("fail",)


def clean(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``value`` with secrets redacted, as the store keeps it."""
    return None if value is None else dict(redact(dict(value)))


def _entry(row: sa.Row[tuple[object, ...]]) -> ActivityEntry:
    m = row._mapping
    return ActivityEntry(
        id=m["id"],
        run_id=m["run_id"],
        flow=m["flow"],
        entity=m["entity"],
        record_id=m["record_id"],
        action=m["action"],
        source=m["source"],
        sent=m["sent"],
        response=m["response"],
        message=m["message"],
        created_at=m["created_at"],
    )


class ActivityMixin(StoreBase):
    """Write, query and purge the activity log."""

    def log_activity(
        self,
        run_id: int | None,
        flow: str,
        entity: str,
        record_id: str | None,
        action: str,
        *,
        source: Mapping[str, Any] | None = None,
        sent: Mapping[str, Any] | None = None,
        response: Mapping[str, Any] | None = None,
        message: str | None = None,
    ) -> None:
        """Log what happened to one record (secrets are redacted again here)."""
        entry = NewActivity(
            entity=entity,
            record_id=record_id,
            action=action,
            source=source,
            sent=sent,
            response=response,
            message=message,
        )
        self.log_activity_many(run_id, flow, [entry])

    def log_activity_many(
        self, run_id: int | None, flow: str, entries: Iterable[NewActivity]
    ) -> None:
        """Log many entries in one transaction (one ``executemany``)."""
        with self._write() as conn:
            self._log_activity(conn, run_id, flow, entries)

    def _log_activity(
        self, conn: sa.Connection, run_id: int | None, flow: str, entries: Iterable[NewActivity]
    ) -> None:
        """:meth:`log_activity_many` in the caller's transaction."""
        now = self.clock()
        rows = [
            {
                "run_id": run_id,
                "flow": flow,
                "entity": entry.entity,
                "record_id": entry.record_id,
                "action": entry.action,
                "source": clean(entry.source),
                "sent": clean(entry.sent),
                "response": clean(entry.response),
                "message": entry.message,
                "created_at": now,
            }
            for entry in entries
        ]
        if rows:
            self._executemany(conn, activity.insert(), rows)

    def activity(
        self,
        run_id: int | None = None,
        *,
        failed_only: bool = False,
        record_id: str | None = None,
        flow: str | None = None,
        entity: str | None = None,
        limit: int = 1000,
    ) -> list[ActivityEntry]:
        """The newest ``limit`` entries that match, in the order they were written."""
        query = activity.select().order_by(activity.c.id.desc()).limit(limit)
        if run_id is not None:
            query = query.where(activity.c.run_id == run_id)
        if failed_only:
            query = query.where(activity.c.action.in_(FAILED_ACTIONS))
        if record_id is not None:
            query = query.where(activity.c.record_id == record_id)
        if flow is not None:
            query = query.where(activity.c.flow == flow)
        if entity is not None:
            query = query.where(activity.c.entity == entity)
        with self._read() as conn:
            entries = [_entry(row) for row in conn.execute(query)]
        entries.reverse()
        return entries

    def purge_activity(self, older_than: timedelta) -> int:
        """Delete entries written more than ``older_than`` ago; returns how many."""
        cutoff = self.clock() - older_than
        with self._write() as conn:
            result = conn.execute(activity.delete().where(activity.c.created_at < cutoff))
        return int(result.rowcount)
