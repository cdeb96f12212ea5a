"""Step 3 of a chunk: write creates and updates on a bounded thread pool.

Writes that concern the same target record or the same debtor stay in order on
one lane; lanes run side by side. A create that no match-key lookup could find
again is bound right after it succeeded.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from koppel.engine._crash import crash_point
from koppel.engine._item import STOPPING, Item, with_record
from koppel.engine._setup import RunParts
from koppel.errors import PluginError, ValidationError
from koppel.sync import Action, WriteResult

__all__ = ["LaneWriter", "lanes"]


def lanes(writes: list[Item]) -> list[list[Item]]:
    """Group writes so that those sharing a target record or a debtor run in order."""
    owner: dict[Hashable, int] = {}
    grouped: dict[int, list[Item]] = {}
    numbers = itertools.count()
    for item in writes:
        keys = [*item.identity_keys(), *item.order_keys]
        joined = sorted({owner[k] for k in keys if k in owner})
        if not joined:
            lane_id = next(numbers)
            grouped[lane_id] = []
        else:
            lane_id = joined[0]
            for other in joined[1:]:
                for moved in grouped.pop(other):
                    grouped[lane_id].append(moved)
                    for key in (*moved.identity_keys(), *moved.order_keys):
                        owner[key] = lane_id
                grouped[lane_id].sort(key=lambda i: i.index)
        grouped[lane_id].append(item)
        for key in keys:
            owner[key] = lane_id
    return list(grouped.values())


class LaneWriter:
    """Writes a chunk's planned creates and updates through the target's ``upsert``.

    :attr:`stop` holds the error that stopped the writing (a fatal error, or a
    crash in any lane); the other lanes stop after their current write.
    """

    def __init__(
        self, parts: RunParts, pool: ThreadPoolExecutor, *, concurrency: int, log: Any
    ) -> None:
        self.parts = parts
        self.pool = pool
        self.concurrency = concurrency
        self.log = log
        self.stop: BaseException | None = None

    def write(self, writes: list[Item]) -> None:
        """Write on the lanes; a write that did not happen leaves its record not done."""
        try:
            self._write_lanes(lanes(writes))
        finally:
            for item in writes:
                if item.result is None and not item.failed:
                    item.action = None  # not written: not booked, the next run takes it again

    def _write_lanes(self, grouped: list[list[Item]]) -> None:
        if len(grouped) <= 1 or self.concurrency == 1:
            for lane in grouped:
                self._run_lane(lane)
            return
        queue = iter(grouped)
        lock = threading.Lock()

        def worker() -> None:
            try:
                while self.stop is None:
                    with lock:
                        lane = next(queue, None)
                    if lane is None:
                        return
                    self._run_lane(lane)
            except BaseException as exc:
                self.stop = self.stop or exc  # the other lanes stop after their current write
                raise

        futures = [self.pool.submit(worker) for _ in range(self.concurrency)]
        try:
            for future in futures:
                future.result()
        except BaseException as exc:
            self.stop = self.stop or exc
            wait(futures)  # book nothing while a lane may still be writing
            raise

    def _run_lane(self, lane: list[Item]) -> None:
        for item in lane:
            if self.stop is not None:
                return
            try:
                self._write_one(item)
            except STOPPING as exc:
                self.stop = with_record(exc, item)
                return
            except Exception as exc:
                item.fail(with_record(exc, item))

    def _write_one(self, item: Item) -> None:
        parts = self.parts
        if item.after is not None:
            if item.after.result is None:
                raise ValidationError(
                    f"waits for source record {item.after.source_id}, which did not sync"
                )
            item.target_id = item.after.result.target_id
        if item.action == Action.DELETE:
            self._delete_one(item)
            return
        assert item.action is not None and item.payload is not None
        result = parts.upsert(
            connection=parts.target,
            entity=parts.entity,
            action=item.action,
            payload=item.payload,
            target_id=item.target_id if item.action == Action.UPDATE else None,
        )
        if result is None:
            which = "the dry-run plugin is disabled" if parts.dry_run else "it implements no upsert"
            raise PluginError(
                f"nothing wrote {parts.entity} to system {parts.flow.target.system}: {which}",
                system=parts.flow.target.system,
            )
        item.result = result
        item.target_id = result.target_id
        item.bind = True
        crash_point("written")
        if item.action == Action.CREATE and not item.findable and not parts.dry_run:
            self._bind_now(item)
            crash_point("bound")

    def _delete_one(self, item: Item) -> None:
        """Delete the bound target record of a record deleted in the source."""
        parts = self.parts
        assert item.target_id is not None
        if not parts.dry_run:
            deleted = parts.target_hooks.delete_record(
                connection=parts.target, entity=parts.entity, target_id=item.target_id
            )
            if deleted is None:
                raise PluginError(
                    f"system {parts.flow.target.system} cannot delete {parts.entity}",
                    system=parts.flow.target.system,
                )
        item.result = WriteResult(target_id=item.target_id)
        item.message = f"deleted in the source; deleted {parts.entity} {item.target_id} too"
        crash_point("written")

    def _bind_now(self, item: Item) -> None:
        """Bind a create no match-key lookup could find again; a failure leaves it to the chunk."""
        parts = self.parts
        assert item.result is not None
        try:
            with parts.store_lock:
                parts.store.bind(
                    *parts.scope,
                    item.source_id,
                    item.result.target_id,
                    item.content_hash,
                    source_hash=item.source_hash,
                )
        except Exception as exc:  # written all the same: the chunk's bookkeeping binds it
            self.log.warning(
                "could not bind right after the create",
                record=item.source_id,
                target_id=item.result.target_id,
                problem=str(exc),
            )
        else:
            item.bound = True
