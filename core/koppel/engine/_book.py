"""Step 4 of a chunk: book what happened to its records.

Bind what was written, unpark what synced, park what failed, log the activity
and only then move the cursor past the chunk (never back within a run); count
every record and tell the observer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koppel.engine._cursor import CursorGuard
from koppel.engine._item import Item
from koppel.engine._outcome import RecordOutcome, RunObserver, RunResult
from koppel.engine._setup import RunParts
from koppel.errors import StateError, ValidationError
from koppel.sync import Action

__all__ = ["Bookkeeper", "last_cursor"]

_COUNTERS = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.SKIP: "skipped",
    Action.FAIL: "failed",
}


def last_cursor(chunk: Sequence[Item]) -> str | None:
    """The cursor after the chunk, or None when a record in it is not done."""
    if any(item.action is None for item in chunk):
        return None
    for item in reversed(chunk):
        if item.record.cursor is not None:
            return item.record.cursor
    return None


class Bookkeeper:
    """Books a run's chunks into the state store and its result.

    :param parked_ids: source ids parked for this flow and entity when the run began.
    """

    def __init__(
        self,
        parts: RunParts,
        result: RunResult,
        observer: RunObserver,
        *,
        parked_ids: set[str],
        cursors: CursorGuard,
    ) -> None:
        self.parts = parts
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
            if self.observed:
                self.observer.processed(self.outcome(item))

    def _store(self, chunk: list[Item], done: list[Item], *, advance: bool) -> None:
        parts = self.parts
        store, name, entity = parts.store, parts.flow.name, parts.entity
        self._bind(
            [
                item
                for item in done
                if item.bind and not item.bound and not item.failed and item.target_id
            ]
        )
        synced = [
            item.source_id for item in done if not item.failed and item.source_id in self.parked_ids
        ]
        if synced:
            store.unpark_many(name, entity, synced)
            self.parked_ids.difference_update(synced)
        for item in done:
            if item.failed:
                store.park(
                    name,
                    entity,
                    item.source_id,
                    item.record.data,
                    item.message or "failed",
                    type(item.error).__name__,
                    item.record.cursor,
                )
                self.parked_ids.add(item.source_id)
        store.log_activity_many(
            self.result.run_id, name, [self.activity(item) for item in done if not item.unchanged]
        )
        cursor = self.cursors.to_store(last_cursor(chunk)) if advance else None
        if cursor is not None:
            store.set_cursor(name, entity, cursor)

    def _bind(self, items: list[Item]) -> None:
        """Bind the chunk's records; one whose target id another record holds fails instead."""
        if not items:
            return
        parts = self.parts
        store, scope = parts.store, parts.scope
        binds = [(item.source_id, item.target_id or "", item.content_hash) for item in items]
        try:
            store.bind_many(*scope, binds)
        except StateError as exc:
            if "record" not in exc.context:
                raise
            held = store.get_bindings(*scope, [item.source_id for item in items])
            lost = [
                item
                for item in items
                if held.get(item.source_id) is None
                or held[item.source_id].target_id != item.target_id
            ]
            owners = store.get_bindings_by_target(*scope, [item.target_id or "" for item in lost])
            for item in lost:
                owner = owners.get(item.target_id or "")
                item.fail(
                    ValidationError(
                        f"written to {parts.entity} {item.target_id} in the target, which is "
                        f"bound to source record {owner.source_id if owner else '(unknown)'}",
                        record=item.source_id,
                    )
                )

    def activity(self, item: Item) -> Any:
        """The activity entry of one record; the store redacts secrets before it writes."""
        from koppel.state import NewActivity

        writing = item.action in (Action.CREATE, Action.UPDATE) or item.result is not None
        response = item.result.response if item.result else None
        return NewActivity(
            entity=self.parts.entity,
            record_id=item.source_id,
            action=str(item.action),
            source=item.record.data if writing or item.failed else None,
            sent=item.payload if writing else None,
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
