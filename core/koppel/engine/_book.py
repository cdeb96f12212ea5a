"""Step 4 of a chunk: book what happened to its records, all in one transaction.

Bind what was written, unpark what synced, park what failed, log the activity
(with "recovered" entries for records a dead run wrote), settle the journal
of writes in flight and move the cursor past the chunk (never back within a
run); count every record and tell the observer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koppel.engine._cursor import CursorGuard
from koppel.engine._item import Item
from koppel.engine._outcome import RecordOutcome, RunObserver, RunResult
from koppel.engine._setup import RunParts
from koppel.errors import ValidationError
from koppel.sync import Action

__all__ = ["Bookkeeper", "chunk_cursor"]

_COUNTERS = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.DELETE: "deleted",
    Action.SKIP: "skipped",
    Action.FAIL: "failed",
}


def chunk_cursor(chunk: Sequence[Item], cursors: CursorGuard) -> str | None:
    """The cursor to store after the chunk: the newest one read so far, or None when a
    record in it is not done or none of its records has a cursor.

    The newest, not the last record's: a record whose cursor is junk (an order whose
    change time is "0") may come last, and storing it would send the next run back
    to the start or make the source refuse the cursor.
    """
    if any(item.action is None for item in chunk):
        return None
    if all(item.record.cursor is None for item in chunk):
        return None
    return cursors.newest


class Bookkeeper:
    """Books a run's chunks into the state store and its result.

    :param parked_ids: source ids parked for this flow and entity when the run began.
    :param pending: writes that runs which died journaled and never booked, by source id.
    """

    def __init__(
        self,
        parts: RunParts,
        result: RunResult,
        observer: RunObserver,
        *,
        parked_ids: set[str],
        cursors: CursorGuard,
        pending: dict[str, Any] | None = None,
    ) -> None:
        self.parts = parts
        #: Writes journaled by runs that died, by source id (:class:`koppel.state.PendingWrite`).
        self.pending = dict(pending or {})
        self.result = result
        self.observer = observer
        self.parked_ids = parked_ids
        self.cursors = cursors
        #: Whether anyone listens to per-record outcomes (building them costs per record).
        self.observed = type(observer).processed is not RunObserver.processed

    def book(self, chunk: list[Item], *, advance: bool) -> None:
        """Book every done record of ``chunk``; with ``advance``, store the cursor after it."""
        parts = self.parts
        done = [item for item in chunk if item.action is not None]
        if not parts.dry_run:
            with parts.store_lock:
                self._store(chunk, done, advance=advance)
        counts = self.result.counts
        for item in done:
            counts[_COUNTERS[item.action or Action.FAIL]] += 1
            if item.changed_after_booking:
                self.result.changed_after_booking.append(item.source_id)
            if item.deleted_in_source:
                self.result.deleted_in_source.append(item.source_id)
            if self.observed:
                self.observer.processed(self.outcome(item))

    def _store(self, chunk: list[Item], done: list[Item], *, advance: bool) -> None:
        """One transaction: bindings, parked and unparked records, activity, journal, cursor."""
        from koppel.state import ChunkBooking, NewParked

        parts = self.parts
        binds = self._checked_binds(
            [
                item
                for item in done
                if item.bind and not item.bound and not item.failed and item.target_id
            ]
        )
        synced = [
            item.source_id for item in done if not item.failed and item.source_id in self.parked_ids
        ]
        failed = [item for item in done if item.failed]
        activity = [self.activity(item) for item in done if not item.unchanged]
        for item in done:
            recovered = self.recovered(item)
            if recovered is not None:
                activity.append(recovered)
        rehash = [
            (item.source_id, item.source_hash)
            for item in done
            if item.unchanged
            and item.source_hash is not None
            and item.bound_source_hash != item.source_hash
        ]
        booking = ChunkBooking(
            run_id=self.result.run_id,
            flow=parts.flow.name,
            scope=parts.scope,
            binds=binds,
            rehash=rehash,
            unbind=[item.source_id for item in done if item.action == Action.DELETE],
            unpark=synced,
            park=[
                NewParked(
                    source_id=item.source_id,
                    data=item.record.data,
                    message=item.message or "failed",
                    error=type(item.error).__name__,
                    cursor=item.record.cursor,
                    deleted=item.record.deleted,
                )
                for item in failed
            ],
            activity=activity,
            settled=[item.source_id for item in done],
            cursor=self.cursors.to_store(chunk_cursor(chunk, self.cursors)) if advance else None,
        )
        parts.store.book_chunk(booking)
        self.parked_ids.difference_update(synced)
        self.parked_ids.update(item.source_id for item in failed)
        for item in done:
            self.pending.pop(item.source_id, None)

    def _checked_binds(self, items: list[Item]) -> list[tuple[str, str, str | None, str | None]]:
        """The chunk's binds; a record whose target id another record holds fails instead."""
        if not items:
            return []
        parts = self.parts
        binds = [
            (item.source_id, item.target_id or "", item.content_hash, item.source_hash)
            for item in items
        ]
        clashes = parts.store.binding_clashes(parts.scope, binds)
        for item in items:
            owner = clashes.get(item.source_id)
            if owner is not None:
                item.fail(
                    ValidationError(
                        f"written to {parts.entity} {item.target_id} in the target, which is "
                        f"bound to source record {owner}",
                        record=item.source_id,
                    )
                )
        return [bind for bind in binds if bind[0] not in clashes]

    def recovered(self, item: Item) -> Any:
        """The activity entry saying where a record came from that a dead run wrote, or None.

        A run that died after sending a write left it in the journal; when this
        run finds the record in the target (bound or by match key) instead of
        writing it anew, the log says which run wrote it and what it sent.
        """
        from koppel.state import NewActivity

        journaled = self.pending.get(item.source_id)
        if journaled is None or item.target_id is None or item.action == Action.CREATE:
            return None
        if item.record.deleted:  # deleted (again) or reported by this run, as its entry says
            return None
        verb = "created" if journaled.action == Action.CREATE else "updated"
        return NewActivity(
            entity=self.parts.entity,
            record_id=item.source_id,
            action="recovered",
            source=item.record.data,
            source_json=item.source_text,
            sent=journaled.sent,
            message=f"{verb} by run {journaled.run_id}, which crashed; found in the target "
            f"as {item.target_id}",
        )

    def activity(self, item: Item) -> Any:
        """The activity entry of one record; the store redacts secrets before it writes."""
        from koppel.state import NewActivity

        writing = item.action in (Action.CREATE, Action.UPDATE) or item.result is not None
        writing = writing and not item.record.deleted
        response = item.result.response if item.result else None
        return NewActivity(
            entity=self.parts.entity,
            record_id=item.source_id,
            action=str(item.action),
            source=item.record.data if writing or item.failed else None,
            source_json=item.source_text,
            sent=item.payload if writing else None,
            sent_json=item.sent_text,
            response=response or None,
            message=item.message,
        )

    def outcome(self, item: Item) -> RecordOutcome:
        """What happened to one record, for the observer."""
        assert item.action is not None
        field = getattr(item.error, "context", {}).get("field") if item.error else None
        return RecordOutcome(
            source_id=item.source_id,
            action=item.action,
            target_id=item.target_id,
            message=item.message,
            field=field,
            error=type(item.error).__name__ if item.error else None,
            source=item.record.data,
            payload=item.payload,
            existing=item.found.data if item.found else None,
            response=item.result.response if item.result else None,
            retried=item.retried,
        )
