"""A chunk's bookkeeping in one transaction, and the journal of writes in flight.

Before a run sends a chunk's writes it journals them (:meth:`journal_writes`);
then it books the chunk (:meth:`book_chunk`): bindings, parked and unparked
records, activity, the journal's rows removed and the cursor, all or nothing.
A process killed in between leaves journal rows behind; the next run reads
them (:meth:`pending_writes`) and logs where a record it finds came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from koppel.log import needs_redacting, redact
from koppel.state._activity import ActivityMixin
from koppel.state._bindings import BindingsMixin, BindItem
from koppel.state._engine import JSONText, storable
from koppel.state._models import NewActivity, NewParked
from koppel.state._parked import ParkedMixin
from koppel.state._runs import RunsMixin
from koppel.state._schema import bindings, pending

__all__ = ["ChunkBooking", "ChunksMixin", "NewParked", "PendingWrite"]


@attrs.frozen(kw_only=True)
class PendingWrite:
    """A write a run journaled and did not book: it may or may not have landed."""

    run_id: int
    source_id: str
    action: str
    sent: Mapping[str, Any] | None


@attrs.frozen(kw_only=True)
class ChunkBooking:
    """Everything one chunk's bookkeeping stores, in one transaction.

    ``binds`` are (source id, target id, content hash[, source hash]); ``rehash``
    (source id, source hash) of bound records found unchanged; ``unbind`` the source
    ids whose target records were deleted; ``settled`` the source ids whose
    journaled writes are done with; ``cursor`` None leaves it as is.
    """

    run_id: int | None
    flow: str
    scope: tuple[str, str, str]
    binds: Sequence[BindItem] = ()
    rehash: Sequence[tuple[str, str]] = ()
    unbind: Sequence[str] = ()
    unpark: Sequence[str] = ()
    park: Sequence[NewParked] = ()
    activity: Sequence[NewActivity] = ()
    settled: Sequence[str] = ()
    cursor: str | None = None

    @property
    def entity(self) -> str:
        return self.scope[2]


def _journaled(sent: Mapping[str, Any] | None, text: str | None) -> Any:
    """What the journal stores of a payload: its JSON ``text`` as it is, else the
    payload with its secrets redacted."""
    if sent is None:
        return None
    if text is not None and storable(text):
        return JSONText(text)
    return redact(sent) if needs_redacting(sent) else sent


#: The journal's insert, compiled once per dialect (:meth:`StoreBase._executemany`).
_JOURNAL = pending.insert()
#: Driver SQL (:meth:`StoreBase._where_in`): settle a chunk's journal rows; the
#: source ids bound to target ids.
_SETTLE = f"DELETE FROM {pending.name} WHERE flow = ? AND entity = ? AND source_id IN"
_UNBIND = (
    f"DELETE FROM {bindings.name} WHERE source = ? AND target = ? AND entity = ? AND source_id IN"
)
_OWNERS = (
    f"SELECT target_id, source_id FROM {bindings.name}"
    " WHERE source = ? AND target = ? AND entity = ? AND target_id IN"
)


class ChunksMixin(RunsMixin, BindingsMixin, ParkedMixin, ActivityMixin):
    """Journal a chunk's writes, then book the chunk atomically."""

    def journal_writes(
        self,
        run_id: int,
        flow: str,
        entity: str,
        writes: Iterable[tuple[str, str, Any, str | None]],
    ) -> None:
        """Record (source id, action, payload, its JSON or None) of writes about to be
        sent; durable on return.

        The payload's JSON, where the engine made it already (for its content hash, by
        :func:`koppel.engine._hash.payload_text`) and found no secret in the payload
        (:func:`koppel.log.needs_redacting`), is stored as it is, so it is neither
        checked nor encoded again.
        """
        writes = list(writes)
        if not writes:
            return
        count = len(writes)
        columns: dict[str, Sequence[Any]] = {
            "run_id": [run_id] * count,
            "flow": [flow] * count,
            "entity": [entity] * count,
            "source_id": [source_id for source_id, *_ in writes],
            "action": [action for _, action, *_ in writes],
            "sent": [_journaled(sent, text) for _, _, sent, text in writes],
            "created_at": [self.clock()] * count,
        }
        with self._write() as conn:
            self._insert_columns(conn, _JOURNAL, columns)

    def pending_writes(self, flow: str, entity: str) -> dict[str, PendingWrite]:
        """Journaled writes of ``flow`` no run booked, by source id (the newest wins)."""
        query = (
            sa.select(pending.c.run_id, pending.c.source_id, pending.c.action, pending.c.sent)
            .where(pending.c.flow == flow, pending.c.entity == entity)
            .order_by(pending.c.id)
        )
        with self._read() as conn:
            return {
                row.source_id: PendingWrite(
                    run_id=row.run_id, source_id=row.source_id, action=row.action, sent=row.sent
                )
                for row in conn.execute(query)
            }

    def book_chunk(self, booking: ChunkBooking) -> None:
        """Store ``booking`` in one transaction: all of it lands, or none of it does.

        Bindings are checked for target ids held by other source ids first
        (:meth:`binding_clashes`); a clash here raises :class:`StateError`.
        """
        source, target, entity = booking.scope
        flow = booking.flow
        binds = self._binding_rows(source, target, entity, booking.binds)
        with self._write() as conn:
            self._upsert_binding_rows(conn, binds)
            self._set_source_hashes(conn, booking.scope, booking.rehash)
            self._where_in(conn, _UNBIND, booking.scope, booking.unbind)
            if booking.unpark:
                self._unpark(conn, flow, entity, booking.unpark)
            for item in booking.park:
                self._park(conn, flow, entity, item)
            self._log_activity(conn, booking.run_id, flow, booking.activity)
            self._where_in(conn, _SETTLE, (flow, entity), booking.settled)
            if booking.cursor is not None:
                self._set_cursor(conn, flow, entity, booking.cursor)

    def binding_clashes(
        self, scope: tuple[str, str, str], binds: Sequence[BindItem]
    ) -> dict[str, str]:
        """Source ids of ``binds`` whose target id another source id holds: source id -> owner.

        Two binds in ``binds`` to one target id clash too: the first keeps it.
        """
        wanted: dict[str, str] = {}
        clashes: dict[str, str] = {}
        for source_id, target_id, *_ in binds:
            owner = wanted.setdefault(target_id, source_id)
            if owner != source_id:
                clashes[source_id] = owner
        with self._read() as conn:
            owners = self._where_in(conn, _OWNERS, scope, list(wanted))
        for target_id, owner in owners:
            if owner != wanted[target_id]:
                clashes[wanted[target_id]] = owner
        return clashes
