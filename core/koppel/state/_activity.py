"""The activity log: per record and run what came in, what was sent and the answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import attrs
import sqlalchemy as sa

from koppel.log import redact
from koppel.state._base import StoreBase
from koppel.state._models import ActivityEntry, NewActivity
from koppel.state._schema import JSONData, activity, parked

__all__ = ["FAILED_ACTIONS", "ActivityMixin", "Purged", "clean"]

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
        """Delete entries written more than ``older_than`` ago; returns how many.

        Also parked records that first failed longer ago lose their payload (see
        :meth:`purge`, which does this and makes sure the bytes are gone from disk).
        """
        return self.purge(older_than).activity

    def purge(self, older_than: timedelta) -> Purged:
        """Forget personal data older than ``older_than``: delete activity entries, and
        empty the payload of parked records that first failed before then (the record
        stays parked, with its message, until the source sends it again).

        SQLite overwrites what it deletes (``secure_delete``) and then empties its
        write-ahead log, so the data is gone from the files; PostgreSQL's space is
        vacuumed (see docs/operations.md for what that does and does not erase).
        """
        cutoff = self.clock() - older_than
        with self._write() as conn:
            if self.dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            removed = conn.execute(activity.delete().where(activity.c.created_at < cutoff))
            emptied = conn.execute(
                parked.update()
                .where(parked.c.first_failed_at < cutoff, parked.c.data != sa.literal({}, JSONData))
                .values(data={})
            )
        self._compact()
        return Purged(activity=int(removed.rowcount), parked=int(emptied.rowcount))

    def _compact(self) -> None:
        """Make deleted rows unreadable on disk: SQLite checkpoints and truncates its
        write-ahead log (older copies of the pages live there); PostgreSQL vacuums."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":  # outside any transaction: the driver's own connection
                driver = conn.connection.driver_connection
                assert driver is not None
                driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                auto = conn.execution_options(isolation_level="AUTOCOMMIT")
                auto.exec_driver_sql(f"VACUUM {activity.name}, {parked.name}")


@attrs.frozen
class Purged:
    """What :meth:`ActivityMixin.purge` forgot: activity entries deleted, parked records
    whose payload was emptied."""

    activity: int
    parked: int
