"""Parked records: failures kept with their message and retried later with backoff."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from koppel.errors import StateError
from koppel.state._base import StoreBase, chunks
from koppel.state._models import NewParked, ParkedRecord
from koppel.state._schema import activity, parked

__all__ = ["FIRST_RETRY", "LAST_RETRY", "ParkedMixin", "backoff"]

FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(days=1)


def backoff(attempts: int) -> timedelta:
    """The pause after the ``attempts``-th failure: 1 min, 2, 4, ... at most a day."""
    delay: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20)
    return min(delay, LAST_RETRY)


def _parked(row: sa.Row[tuple[object, ...]]) -> ParkedRecord:
    m = row._mapping
    return ParkedRecord(
        id=m["id"],
        flow=m["flow"],
        entity=m["entity"],
        source_id=m["source_id"],
        data=m["data"],
        message=m["message"],
        error=m["error"],
        cursor=m["cursor"],
        attempts=m["attempts"],
        first_failed_at=m["first_failed_at"],
        last_failed_at=m["last_failed_at"],
        next_attempt_at=m["next_attempt_at"],
        deleted=bool(m["deleted"]),
    )


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"


class ParkedMixin(StoreBase):
    """Park, list, retry and discard failed records."""

    def park(
        self,
        flow: str,
        entity: str,
        source_id: str,
        data: Mapping[str, Any],
        message: str,
        error: str,
        cursor: str | None,
    ) -> None:
        """Park a failed record, or count one more failure of a parked one.

        ``data`` is the native source record, ``error`` the kind of failure
        (the error class name). The next attempt is due after :func:`backoff`.
        """
        record = NewParked(
            source_id=source_id, data=data, message=message, error=error, cursor=cursor
        )
        with self._write() as conn:
            self._park(conn, flow, entity, record)

    def _park(self, conn: sa.Connection, flow: str, entity: str, record: NewParked) -> None:
        """:meth:`park` in the caller's transaction."""
        now = self.clock()
        stmt = self._insert(parked).values(
            flow=flow,
            entity=entity,
            source_id=record.source_id,
            data=dict(record.data),
            message=record.message,
            error=record.error,
            cursor=record.cursor,
            deleted=record.deleted,
            attempts=1,
            first_failed_at=now,
            last_failed_at=now,
            next_attempt_at=now + backoff(1),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[parked.c.flow, parked.c.entity, parked.c.source_id],
            set_={
                "data": stmt.excluded.data,
                "message": stmt.excluded.message,
                "error": stmt.excluded.error,
                "cursor": stmt.excluded.cursor,
                "deleted": stmt.excluded.deleted,
                "attempts": parked.c.attempts + 1,
                "last_failed_at": stmt.excluded.last_failed_at,
            },
        ).returning(parked.c.id, parked.c.attempts)
        parked_id, attempts = conn.execute(stmt).one()
        if attempts > 1:
            conn.execute(
                parked.update()
                .where(parked.c.id == parked_id)
                .values(next_attempt_at=now + backoff(attempts))
            )

    def parked(
        self, flow: str | None = None, *, due_only: bool = False, entity: str | None = None
    ) -> list[ParkedRecord]:
        """Parked records (of ``flow``/``entity``), oldest first; ``due_only``: retry is due."""
        query = parked.select().order_by(parked.c.id)
        if flow is not None:
            query = query.where(parked.c.flow == flow)
        if entity is not None:
            query = query.where(parked.c.entity == entity)
        if due_only:
            query = query.where(parked.c.next_attempt_at <= self.clock())
        with self._read() as conn:
            return [_parked(row) for row in conn.execute(query)]

    def unpark(self, flow: str, entity: str, source_id: str) -> None:
        """Forget a parked record after it synced."""
        self.unpark_many(flow, entity, [source_id])

    def unpark_many(self, flow: str, entity: str, source_ids: Sequence[str]) -> int:
        """Forget those of ``source_ids`` that are parked; returns how many were."""
        with self._write() as conn:
            return self._unpark(conn, flow, entity, source_ids)

    def _unpark(
        self, conn: sa.Connection, flow: str, entity: str, source_ids: Sequence[str]
    ) -> int:
        """:meth:`unpark_many` in the caller's transaction."""
        removed = 0
        for part in chunks(list(source_ids)):
            result = conn.execute(
                parked.delete().where(
                    parked.c.flow == flow,
                    parked.c.entity == entity,
                    parked.c.source_id.in_(part),
                )
            )
            removed += result.rowcount
        return removed

    def discard(self, parked_id: int) -> None:
        """The operator gives up on a parked record; the activity log keeps a "discard" entry."""
        with self._write() as conn:
            row = conn.execute(parked.select().where(parked.c.id == parked_id)).first()
            if row is None:
                raise StateError(f"there is no parked record {parked_id}", parked=parked_id)
            record = _parked(row)
            conn.execute(parked.delete().where(parked.c.id == parked_id))
            conn.execute(
                activity.insert().values(
                    run_id=None,
                    flow=record.flow,
                    entity=record.entity,
                    record_id=record.source_id,
                    action="discard",
                    source=record.data,
                    message=f"discarded after {_attempts(record.attempts)}: {record.message}",
                    created_at=self.clock(),
                )
            )

    def mark_due(self, parked_ids: Iterable[int] | None = None, flow: str | None = None) -> int:
        """Make parked records due now (``koppel parked retry``); returns how many.

        ``parked_ids`` None means every parked record (of ``flow`` when given).
        """
        query = parked.update().values(next_attempt_at=self.clock())
        if flow is not None:
            query = query.where(parked.c.flow == flow)
        with self._write() as conn:
            if parked_ids is None:
                return int(conn.execute(query).rowcount)
            return sum(
                int(conn.execute(query.where(parked.c.id.in_(part))).rowcount)
                for part in chunks(list(parked_ids))
            )
