"""The flow runner: fetch -> map -> decide -> upsert -> bind -> log, chunk by chunk.

Per chunk of source records:

1. read the chunk's bindings and skip, unmapped, every record whose raw source
   hash under the flow's fingerprint is the binding's; inbound map, structure
   the canonical record, apply the business rules (:mod:`koppel.engine._mapper`);
2. decide: the binding first, then the target's match keys; records whose
   payload did not change are skipped by their content hash; products are
   checked for the records to write (:mod:`koppel.engine._decide`);
3. write creates and updates on a bounded thread pool, in order where they
   depend on each other (:mod:`koppel.engine._lanes`);
4. bind, park failures, unpark what synced, log the activity and move the
   cursor past the chunk, in one transaction (:mod:`koppel.engine._book`).

Before step 3 the chunk's writes are journaled, so a run that dies mid-chunk
leaves a trace the next run logs as "recovered" when it finds the record. A
create that no match-key lookup could find again is bound right after it
succeeded; the others are bound with their chunk, since a crash before that
is healed by the match-key lookup of the next run.

A run holds its flow's lock (and the lock of the bindings it writes) from
start to end: a second run of the flow stops at once with
:class:`~koppel.errors.FlowBusyError`.
"""

from __future__ import annotations

import gc
import itertools
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from koppel.engine._book import Bookkeeper
from koppel.engine._crash import check_crash_env, crash_point
from koppel.engine._cursor import CursorGuard
from koppel.engine._decide import Decider
from koppel.engine._item import Item
from koppel.engine._lanes import LaneWriter
from koppel.engine._mapper import RecordMapper
from koppel.engine._outcome import RunObserver, RunResult
from koppel.engine._setup import ConnectionHook, RunParts, build_parts
from koppel.errors import (
    ConfigurationError,
    DayBudgetSpentError,
    KoppelError,
    PluginError,
    SourceRecordError,
)
from koppel.flows import Flow
from koppel.log import get_logger
from koppel.sync import Action, SourceRecord

if TYPE_CHECKING:
    from koppel.http import TokenStore
    from koppel.plugins import KoppelPluginManager
    from koppel.state import ParkedRecord, StateStore

__all__ = ["FlowRunner", "run_flow"]

#: The actions that change the target.
_WRITES = (Action.CREATE, Action.UPDATE, Action.DELETE)


def run_flow(
    flow: Flow,
    store: StateStore,
    *,
    manager: KoppelPluginManager | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    full: bool = False,
    observer: RunObserver | None = None,
    transports: Mapping[str, Any] | None = None,
    token_store: TokenStore | None = None,
    prepare_connection: ConnectionHook | None = None,
) -> RunResult:
    """Run ``flow`` once; see :class:`FlowRunner`."""
    runner = FlowRunner(
        flow,
        store,
        manager=manager,
        dry_run=dry_run,
        limit=limit,
        full=full,
        observer=observer,
        transports=transports,
        token_store=token_store,
        prepare_connection=prepare_connection,
    )
    return runner.run()


#: The garbage collector's young-generation threshold while runs last (Python's is 700).
YOUNG_THRESHOLD = 50_000


class _RunHeap:
    """How the garbage collector treats the heap while runs last; runs in threads share
    it, set up by the first and undone by the last.

    - What the process held before (modules, plugins, compiled mappings) is frozen
      out of full collections: each would walk all of it too (about 6% of a first
      sync's CPU). A heap the host froze itself (``gc.freeze()`` before a fork) is
      left as it is.
    - The young generation is collected after :data:`YOUNG_THRESHOLD` new objects
      instead of 700: a chunk makes tens of thousands of short-lived objects, nearly
      all freed by their reference counts when it is booked, and with 700 the
      collector ran some 500 times in a first sync of 10,000 orders, walking the
      chunk's live objects each time (about 5% of its CPU). Garbage in reference
      cycles waits at most that many objects longer. A collector the host switched
      off (threshold 0) stays off; thresholds the host sets while runs last are kept.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs = 0
        self._froze = False
        self._thresholds: tuple[int, int, int] = gc.get_threshold()
        self._raised = self._thresholds

    @contextmanager
    def during_run(self) -> Iterator[None]:
        with self._lock:
            if self._runs == 0:
                self._froze = gc.get_freeze_count() == 0
                if self._froze:
                    gc.freeze()
                self._thresholds = young, older, oldest = gc.get_threshold()
                if young:
                    gc.set_threshold(max(young, YOUNG_THRESHOLD), older, oldest)
                self._raised = gc.get_threshold()
            self._runs += 1
        try:
            yield
        finally:
            with self._lock:
                self._runs -= 1
                if self._runs == 0:
                    if gc.get_threshold() == self._raised:  # unless the host set its own
                        gc.set_threshold(*self._thresholds)
                    if self._froze:
                        gc.unfreeze()


_HEAP = _RunHeap()


def retried_record(parked: ParkedRecord) -> SourceRecord:
    """The source record to retry for ``parked``.

    A record the source plugin could not read stays unreadable until the source
    sends it again (when it changes, or on ``koppel run --full``): its parked
    copy is the raw row, which the mappings cannot take. A deletion is retried as one.
    """
    if parked.deleted:
        return SourceRecord.removed(parked.source_id, cursor=parked.cursor, data=parked.data)
    error = None
    if parked.error == SourceRecordError.__name__:
        error = SourceRecordError(parked.message, record=parked.source_id)
    return SourceRecord(id=parked.source_id, data=parked.data, cursor=parked.cursor, error=error)


class FlowRunner:
    """Runs one flow once against a state store.

    :param manager: the plugin manager (the process-wide one by default).
    :param dry_run: decide and map everything, write nothing: not to the target,
        nor to bindings, cursors or parked records.
    :param limit: process at most this many records.
    :param full: read the source from the start instead of from the cursor.
    :param observer: receives progress and every record's outcome.
    :param transports: connection name -> httpx transport (sandboxes, tests).
    :param token_store: where the connections keep their OAuth tokens (the state
        store's encrypted one by default; a :class:`koppel.http.MemoryTokenStore`
        for sandboxes).
    :param prepare_connection: called with the source and then the target
        :class:`~koppel.sync.Connection` once they are built, before the run
        reads or writes anything; it may change them (``attach_sandbox``).
    :raises ConfigurationError: when the flow cannot run as configured.
    :raises FatalError: when the run had to stop; records done so far are kept.
    """

    def __init__(
        self,
        flow: Flow,
        store: StateStore,
        *,
        manager: KoppelPluginManager | None = None,
        dry_run: bool = False,
        limit: int | None = None,
        full: bool = False,
        observer: RunObserver | None = None,
        transports: Mapping[str, Any] | None = None,
        token_store: TokenStore | None = None,
        prepare_connection: ConnectionHook | None = None,
    ) -> None:
        if manager is None:
            from koppel.plugins import get_plugin_manager

            manager = get_plugin_manager()
        self.flow = flow
        self.store = store
        self.manager = manager
        self.dry_run = dry_run
        self.limit = limit
        self.full = full
        self.observer = observer or RunObserver()
        self.transports = dict(transports or {})
        self.token_store = token_store
        self.prepare_connection = prepare_connection
        self.entity = flow.entity
        self.log = get_logger(flow=flow.name, entity=flow.entity)
        self.result = RunResult(run_id=None, flow=flow.name, dry_run=dry_run)

    def run(self) -> RunResult:
        """Run the flow; returns the counters (``failed`` > 0 when records were parked).

        :raises ConfigurationError: for a flow of the relation queue (``[settings.relations]``),
            whose relations get their numbers and go out through ``koppel relations``.
        """
        started = time.monotonic()
        if "relations" in self.flow.settings.extra:
            raise ConfigurationError(
                f"flow {self.flow.name} feeds the relation queue ([settings.relations]): "
                "its relations get their numbers and go out with `koppel relations fetch` "
                "and `koppel relations export`, not with a run",
                flow=self.flow.name,
                file=self.flow.label,
                path="settings.relations",
            )
        check_crash_env()
        parts = build_parts(
            self.flow,
            self.store,
            self.manager,
            dry_run=self.dry_run,
            transports=self.transports,
            token_store=self.token_store,
            prepare_connection=self.prepare_connection,
        )
        source, target, entity = parts.scope
        try:
            with (
                self.store.run_lock(
                    self.flow.name, [f"bindings:{source}:{target}:{entity}"], dry_run=self.dry_run
                ),
                _HEAP.during_run(),
            ):
                self._run_locked(parts, started)
        finally:
            self._close(parts)
        return self.result

    def _close(self, parts: RunParts) -> None:
        """Close both connections (their clients); a failure to close is logged, not raised
        over the error that ended the run."""
        both = (parts.source, parts.target)
        for connection in both[:1] if parts.source is parts.target else both:
            try:
                connection.close()
            except Exception as exc:
                self.log.warning(
                    "could not close the connection", connection=connection.name, error=str(exc)
                )

    def _run_locked(self, parts: RunParts, started: float) -> None:
        result = self.result
        result.run_id = self.store.start_run(self.flow.name, dry_run=self.dry_run)
        self.log = self.log.bind(run=result.run_id)
        status, message = "crashed", None
        try:
            self._run_chunks(parts)
            status = "failed" if result.counts["failed"] else "ok"
        except DayBudgetSpentError as exc:  # not a failure: the run goes on after the reset
            result.paused_until = datetime.fromtimestamp(exc.resume_at, UTC)
            status, message = "paused", str(exc)
        except KoppelError as exc:
            result.stopped = str(exc)
            status, message = "stopped", str(exc)
            raise
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            result.elapsed = time.monotonic() - started
            self._finish(status, message)

    def _finish(self, status: str, message: str | None) -> None:
        result = self.result
        try:
            parked = self.store.parked(self.flow.name, entity=self.entity)
            result.counts["parked"] = len(parked)
            assert result.run_id is not None
            if result.paused_until is not None:
                self.store.pause_run(
                    result.run_id,
                    counts=result.counts,
                    resume_at=result.paused_until,
                    reason=message or "",
                )
            else:
                self.store.finish_run(
                    result.run_id, status=status, counts=result.counts, message=message
                )
        except Exception as exc:  # never hide the error that stopped the run
            self.log.error("could not finish the run", error=str(exc))
            if status in ("ok", "failed", "paused"):
                raise

    def _run_chunks(self, parts: RunParts) -> None:
        flow, store = self.flow, self.store
        parked = store.parked(flow.name, entity=self.entity)
        due = {p.source_id: p for p in store.parked(flow.name, due_only=True, entity=self.entity)}
        cursor = None if self.full else store.get_cursor(flow.name, self.entity)
        fetched = parts.source_hooks.fetch_records(
            connection=parts.source, entity=self.entity, cursor=cursor, filters=flow.filters
        )
        if fetched is None:
            raise PluginError(
                f"system {flow.source.system} implements no fetch_records",
                system=flow.source.system,
            )
        cursors = CursorGuard()
        self._book = Bookkeeper(
            parts,
            self.result,
            self.observer,
            parked_ids={p.source_id for p in parked},
            cursors=cursors,
            pending=None if self.dry_run else store.pending_writes(flow.name, self.entity),
        )
        self._mapper = RecordMapper(parts)
        self._decider = Decider(parts, self._mapper, pending=self._book.pending)
        budget = self.limit
        concurrency = max(1, flow.settings.concurrency)
        with ThreadPoolExecutor(concurrency, thread_name_prefix="koppel-upsert") as pool:
            self._writer = LaneWriter(parts, pool, concurrency=concurrency, log=self.log)
            for chunk in self._chunks(self._fresh(fetched, due, cursors), budget):
                self._process(chunk, advance=True)
                budget = None if budget is None else budget - len(chunk)
            retries = (retried_record(p) for p in due.values())
            if budget is None or budget > 0:
                for chunk in self._chunks(retries, budget, retried=True):
                    self._process(chunk, advance=False)

    def _fresh(
        self, records: Iterable[SourceRecord], due: dict[str, Any], cursors: CursorGuard
    ) -> Iterator[SourceRecord]:
        for record in records:
            due.pop(record.id, None)  # the source's newer data replaces the parked copy
            if not cursors.seen(record.cursor):
                self.log.warning(
                    "the source yielded an older cursor after a newer one; "
                    "the stored cursor will not go back",
                    record=record.id,
                    cursor=record.cursor,
                    newest=cursors.newest,
                )
            yield record

    def _chunks(
        self, records: Iterable[SourceRecord], budget: int | None, *, retried: bool = False
    ) -> Iterator[list[Item]]:
        size = self.flow.settings.chunk_size
        chunk: list[Item] = []
        if budget is not None:  # never read a record past the budget: it would count as seen
            records = itertools.islice(records, budget)
        for record in records:
            chunk.append(Item(index=len(chunk), record=record, retried=retried))
            if len(chunk) >= size:
                self.result.fetched += len(chunk)
                self.observer.fetched(len(chunk))
                yield chunk
                chunk = []
        if chunk:
            self.result.fetched += len(chunk)
            self.observer.fetched(len(chunk))
            yield chunk

    def _process(self, chunk: list[Item], *, advance: bool) -> None:
        self._decider.skip_unchanged(chunk)
        self._mapper.prepare(chunk)
        live = [item for item in chunk if item.action is None]
        self._decider.lookup(live)
        self._decider.decide(live)
        writes = [item for item in live if item.action in _WRITES]
        if writes and not self.dry_run:
            assert self.result.run_id is not None
            self.store.journal_writes(
                self.result.run_id,
                self.flow.name,
                self.entity,
                [
                    (item.source_id, str(item.action), item.payload, item.sent_text)
                    for item in writes
                ],
            )
            crash_point("journaled")
        writer = self._writer
        try:
            writer.write(writes)
        except BaseException:
            self._book.book(chunk, advance=False)  # keep what was written; the cursor stays
            raise
        crash_point("sent")
        self._book.book(chunk, advance=advance and writer.stop is None)
        crash_point("booked")
        if writer.stop is not None:
            raise writer.stop
