"""The flow runner: fetch -> map -> decide -> upsert -> bind -> log, chunk by chunk.

Per chunk of source records:

1. inbound map, structure the canonical record, apply the business rules;
2. decide: the binding first (one batched query), then the target's match
   keys (one ``find_existing`` call per key); the content hash of the full
   outbound payload against the binding's skips unchanged records;
3. write creates and updates on a bounded thread pool; writes that concern
   the same target record or the same debtor stay in order on one lane;
4. bind, park failures, unpark what synced, log the activity, and only then
   move the cursor past the chunk.

A create that no match key could find again is bound right after it
succeeded; the others are bound with their chunk, since a crash before that
is healed by the match-key lookup of the next run.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from koppel.engine._calls import direct_caller
from koppel.engine._hash import content_hash, match_value, read_field
from koppel.engine._item import Item
from koppel.engine._mappings import compile_flow_mapping
from koppel.engine._outcome import RecordOutcome, RunObserver, RunResult
from koppel.engine._rules import RecordRules
from koppel.engine.dry_run import DRY_RUN
from koppel.errors import (
    ConfigurationError,
    FatalError,
    KoppelError,
    PluginError,
    StateError,
    ValidationError,
)
from koppel.flows import Flow, build_connection
from koppel.log import get_logger
from koppel.records import ENTITY_RECORDS, structure, unstructure
from koppel.sync import Action, Direction, SourceRecord

if TYPE_CHECKING:
    from koppel.plugins import KoppelPluginManager
    from koppel.state import StateStore

__all__ = ["FlowRunner", "run_flow"]

_STOPPING = (ConfigurationError, FatalError)


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
    )
    return runner.run()


class FlowRunner:
    """Runs one flow once against a state store.

    :param manager: the plugin manager (the process-wide one by default).
    :param dry_run: decide and map everything, write nothing: not to the target,
        nor to bindings, cursors or parked records.
    :param limit: process at most this many records.
    :param full: read the source from the start instead of from the cursor.
    :param observer: receives progress and every record's outcome.
    :param transports: connection name -> httpx transport (sandboxes, tests).
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
        #: Whether anyone listens to per-record outcomes (building them costs per record).
        self._observed = type(self.observer).processed is not RunObserver.processed
        self.transports = dict(transports or {})
        self.entity = flow.entity
        self.log = get_logger(flow=flow.name, entity=flow.entity)
        self._store_lock = threading.Lock()
        self._stop: BaseException | None = None
        self._parked_ids: set[str] = set()
        self._pool: ThreadPoolExecutor | None = None
        self.result = RunResult(run_id=None, flow=flow.name, dry_run=dry_run)

    # -- set-up ----------------------------------------------------------------

    def _setup(self) -> None:
        flow, manager = self.flow, self.manager
        source_info = manager.system(flow.source.system)
        target_info = manager.system(flow.target.system)
        source_entity = source_info.entity(flow.entity)
        target_entity = target_info.entity(flow.entity)
        if source_entity is None or not source_entity.read:
            raise ConfigurationError(
                f"system {source_info.name} cannot read {flow.entity!r}; "
                f"it reads: {', '.join(source_info.readable) or 'nothing'}",
                flow=flow.name,
                file=flow.label,
                path="entity",
            )
        if target_entity is None or not target_entity.write:
            raise ConfigurationError(
                f"system {target_info.name} cannot write {flow.entity!r}; "
                f"it writes: {', '.join(target_info.writable) or 'nothing'}",
                flow=flow.name,
                file=flow.label,
                path="entity",
            )
        self.match_keys = target_entity.match_keys
        self.record_class = ENTITY_RECORDS.get(flow.entity)
        self.source_hooks = manager.hooks_for(flow.source.system)
        self.target_hooks = manager.hooks_for(flow.target.system)
        tokens = self.store.token_store()
        self.source = build_connection(
            flow.source,
            file=flow.label,
            transport=self.transports.get(flow.source.name),
            token_store=tokens,
        )
        flow_settings: dict[str, Any] = {**flow.settings.extra}
        if flow.settings.default_debtor is not None:
            flow_settings["default_debtor"] = flow.settings.default_debtor
        if flow.order_type is not None:
            flow_settings["order_type"] = flow.order_type
        self.target = build_connection(
            flow.target,
            file=flow.label,
            transport=self.transports.get(flow.target.name),
            token_store=tokens,
            settings=flow_settings,
        )
        self.upsert = self.target_hooks.upsert
        if self.dry_run:
            self.target.cache[DRY_RUN] = True
            systems = [p.plugin for p in manager.loaded.values() if p.system is not None]
            self.upsert = manager.pm.subset_hook_caller("upsert", remove_plugins=systems)
        if flow.order_type is not None:
            from koppel.accounting import check_order_type_supported

            supported = self.target_hooks.supports_order_types(connection=self.target) or ()
            check_order_type_supported(
                flow.order_type, supported, system=target_info.name, flow=flow.name
            )
        self._map_inbound = direct_caller(self.source_hooks.map_record)
        self._map_outbound = direct_caller(self.target_hooks.map_record)
        self.inbound = compile_flow_mapping(flow, self.source_hooks, self.source, Direction.INBOUND)
        self.outbound = compile_flow_mapping(
            flow, self.target_hooks, self.target, Direction.OUTBOUND
        )
        self.rules = RecordRules(
            flow, target_hooks=self.target_hooks, target=self.target, target_info=target_info
        )

    # -- the run -----------------------------------------------------------------

    def run(self) -> RunResult:
        """Run the flow; returns the counters (``failed`` > 0 when records were parked)."""
        started = time.monotonic()
        self._setup()
        result = self.result
        result.run_id = self.store.start_run(self.flow.name, dry_run=self.dry_run)
        self.log = self.log.bind(run=result.run_id)
        status = "crashed"
        try:
            self._run_chunks()
            status = "failed" if result.counts["failed"] else "ok"
        except KoppelError as exc:
            result.stopped = str(exc)
            raise
        finally:
            result.elapsed = time.monotonic() - started
            self._finish(status)
        return result

    def _finish(self, status: str) -> None:
        result = self.result
        try:
            parked = self.store.parked(self.flow.name, entity=self.entity)
            result.counts["parked"] = len(parked)
            assert result.run_id is not None
            self.store.finish_run(result.run_id, status=status, counts=result.counts)
        except Exception as exc:  # never hide the error that stopped the run
            self.log.error("could not finish the run", error=str(exc))
            if status != "crashed":
                raise

    def _run_chunks(self) -> None:
        flow = self.flow
        parked = self.store.parked(flow.name, entity=self.entity)
        self._parked_ids = {p.source_id for p in parked}
        due = {
            p.source_id: p for p in self.store.parked(flow.name, due_only=True, entity=self.entity)
        }
        cursor = None if self.full else self.store.get_cursor(flow.name, self.entity)
        fetched = self.source_hooks.fetch_records(
            connection=self.source, entity=self.entity, cursor=cursor, filters=flow.filters
        )
        if fetched is None:
            raise PluginError(
                f"system {flow.source.system} implements no fetch_records",
                system=flow.source.system,
            )
        budget = self.limit
        workers = max(1, flow.settings.concurrency)
        with ThreadPoolExecutor(workers, thread_name_prefix="koppel-upsert") as pool:
            self._pool = pool
            for chunk in self._chunks(self._fresh(fetched, due), budget):
                self._process(chunk, advance=True)
                budget = None if budget is None else budget - len(chunk)
            retries = (
                SourceRecord(id=p.source_id, data=p.data, cursor=p.cursor) for p in due.values()
            )
            if budget is None or budget > 0:
                for chunk in self._chunks(retries, budget, retried=True):
                    self._process(chunk, advance=False)

    def _fresh(
        self, records: Iterable[SourceRecord], due: dict[str, Any]
    ) -> Iterator[SourceRecord]:
        for record in records:
            due.pop(record.id, None)  # the source's newer data replaces the parked copy
            yield record

    def _chunks(
        self, records: Iterable[SourceRecord], budget: int | None, *, retried: bool = False
    ) -> Iterator[list[Item]]:
        size = self.flow.settings.chunk_size
        chunk: list[Item] = []
        for taken, record in enumerate(records):
            if budget is not None and taken >= budget:
                break
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
        self._prepare(chunk)
        live = [item for item in chunk if item.action is None]
        self._lookup(live)
        self._decide(live)
        writes = [item for item in live if item.action in (Action.CREATE, Action.UPDATE)]
        try:
            self._write(writes)
        except BaseException:
            self._book(chunk, advance=False)  # keep what was written; the cursor stays
            raise
        self._book(chunk, advance=advance and self._stop is None)
        if self._stop is not None:
            raise self._stop

    # -- 1. map and validate -----------------------------------------------------

    def _prepare(self, chunk: list[Item]) -> None:
        records: list[Any] = []
        for item in chunk:
            try:
                records.append(self._inbound(item))
            except _STOPPING:
                raise
            except Exception as exc:
                item.fail(_with_record(exc, item))
                records.append(None)
        self.rules.prepare([r for r in records if r is not None])
        for item, record in zip(chunk, records, strict=True):
            if item.action is not None:
                continue
            try:
                record, skip = self.rules.apply(record)
                item.canonical = unstructure(record) if self.record_class else record
                item.order_keys = self.rules.order_keys(record)
            except _STOPPING:
                raise
            except Exception as exc:
                item.fail(_with_record(exc, item))
                continue
            if skip is not None:
                item.skip(skip)
                continue
            assert item.canonical is not None
            for key in self.match_keys:
                value = match_value(key, read_field(item.canonical, key))
                if value is not None:
                    item.match[key] = value

    def _inbound(self, item: Item) -> Any:
        data = self._map_inbound(
            connection=self.source,
            entity=self.entity,
            direction=Direction.INBOUND,
            data=item.record.data,
            mapping=self.inbound,
            action=None,
            existing=None,
        )
        if data is None:
            if self.inbound is not None:
                raise PluginError("no plugin implements map_record (is the datamapper disabled?)")
            data = dict(item.record.data)
        if self.record_class is None:
            return data
        return structure(data, self.record_class)

    def _outbound(self, item: Item, action: Action, existing: Mapping[str, Any] | None) -> Any:
        assert item.canonical is not None
        payload = self._map_outbound(
            connection=self.target,
            entity=self.entity,
            direction=Direction.OUTBOUND,
            data=item.canonical,
            mapping=self.outbound,
            action=action,
            existing=existing,
        )
        if payload is None:
            if self.outbound is not None:
                raise PluginError("no plugin implements map_record (is the datamapper disabled?)")
            payload = dict(item.canonical)
        return payload

    # -- 2. decide ---------------------------------------------------------------

    def _lookup(self, live: list[Item]) -> None:
        if not live:
            return
        ids = [item.source_id for item in live]
        bindings = self.store.get_bindings(
            self.flow.source.name, self.flow.target.name, self.entity, ids
        )
        unbound: list[Item] = []
        for item in live:
            binding = bindings.get(item.source_id)
            if binding is None:
                unbound.append(item)
            else:
                item.target_id = binding.target_id
                item.binding_hash = binding.content_hash or ""
        for key in self.match_keys:
            wanted: dict[str, list[Item]] = {}
            for item in unbound:
                value = item.match.get(key)
                if item.found is None and value is not None:
                    wanted.setdefault(value, []).append(item)
            if not wanted:
                continue
            found = self.target_hooks.find_existing(
                connection=self.target, entity=self.entity, match_key=key, values=sorted(wanted)
            )
            for value, record in (found or {}).items():
                for item in wanted.get(match_value(key, value) or "", []):
                    item.found = record
        self._check_owners([item for item in unbound if item.found is not None])

    def _check_owners(self, found: list[Item]) -> None:
        """Fail records whose match-key hit is bound to another source record."""
        if not found:
            return
        owners = self.store.get_bindings_by_target(
            self.flow.source.name,
            self.flow.target.name,
            self.entity,
            [item.found.id for item in found if item.found is not None],
        )
        for item in found:
            assert item.found is not None
            owner = owners.get(item.found.id)
            if owner is not None and owner.source_id != item.source_id:
                key = next(iter(item.match))
                item.fail(
                    ValidationError(
                        f"{key} {item.match[key]!r} matches {self.entity} {item.found.id} in the "
                        f"target, which is bound to source record {owner.source_id}",
                        field=key,
                        record=item.source_id,
                    )
                )

    def _decide(self, live: list[Item]) -> None:
        planned: dict[Hashable, Item] = {}
        for item in live:
            if item.action is not None:
                continue
            try:
                self._decide_one(item, planned)
            except _STOPPING:
                raise
            except Exception as exc:
                item.fail(_with_record(exc, item))
                continue
            if item.action in (Action.CREATE, Action.UPDATE):
                for key in item.identity_keys():
                    planned.setdefault(key, item)

    def _decide_one(self, item: Item, planned: dict[Hashable, Item]) -> None:
        full = self._outbound(item, Action.CREATE, None)
        item.content_hash = content_hash(full)
        earlier = next((planned[k] for k in item.identity_keys() if k in planned), None)
        if earlier is not None:
            if earlier.source_id != item.source_id:
                key = next(k for k in item.match if ("match", k, item.match[k]) in planned)
                raise ValidationError(
                    f"{key} {item.match[key]!r} is also that of source record "
                    f"{earlier.source_id} in this run; one target record cannot hold both",
                    field=key,
                )
            item.after = earlier
            item.action = Action.UPDATE
            item.payload = self._outbound(item, Action.UPDATE, None)
        elif item.binding_hash is not None:
            if item.binding_hash == item.content_hash:
                item.skip("unchanged since the last sync")
                item.unchanged = True
                return
            item.action = Action.UPDATE
            item.payload = self._outbound(item, Action.UPDATE, None)
        elif item.found is not None:
            existing = item.found.data
            item.target_id = item.found.id
            payload = self._outbound(item, Action.UPDATE, existing)
            if existing and all(existing.get(k) == v for k, v in payload.items()):
                item.skip(f"already up to date in the target as {item.found.id}")
                item.bind = True
                return
            item.action = Action.UPDATE
            item.payload = payload
        else:
            item.action = Action.CREATE
            item.payload = full

    # -- 3. write ------------------------------------------------------------------

    def _write(self, writes: list[Item]) -> None:
        """Write on the lanes; a write that did not happen leaves its record not done."""
        try:
            self._write_lanes(_lanes(writes))
        finally:
            for item in writes:
                if item.result is None and not item.failed:
                    item.action = None  # not written: not booked, the next run takes it again

    def _write_lanes(self, lanes: list[list[Item]]) -> None:
        if len(lanes) <= 1 or self.flow.settings.concurrency == 1:
            for lane in lanes:
                self._run_lane(lane)
            return
        queue = iter(lanes)
        lock = threading.Lock()

        def worker() -> None:
            try:
                while self._stop is None:
                    with lock:
                        lane = next(queue, None)
                    if lane is None:
                        return
                    self._run_lane(lane)
            except BaseException as exc:
                self._stop = self._stop or exc  # the other lanes stop after their current write
                raise

        assert self._pool is not None
        futures = [self._pool.submit(worker) for _ in range(self.flow.settings.concurrency)]
        try:
            for future in futures:
                future.result()
        except BaseException as exc:
            self._stop = self._stop or exc
            wait(futures)  # book nothing while a lane may still be writing
            raise

    def _run_lane(self, lane: list[Item]) -> None:
        for item in lane:
            if self._stop is not None:
                return
            try:
                self._write_one(item)
            except _STOPPING as exc:
                self._stop = _with_record(exc, item)
                return
            except Exception as exc:
                item.fail(_with_record(exc, item))

    def _write_one(self, item: Item) -> None:
        if item.after is not None:
            if item.after.result is None:
                raise ValidationError(
                    f"waits for source record {item.after.source_id}, which did not sync"
                )
            item.target_id = item.after.result.target_id
        assert item.action is not None and item.payload is not None
        result = self.upsert(
            connection=self.target,
            entity=self.entity,
            action=item.action,
            payload=item.payload,
            target_id=item.target_id if item.action == Action.UPDATE else None,
        )
        if result is None:
            which = "the dry-run plugin is disabled" if self.dry_run else "it implements no upsert"
            raise PluginError(
                f"nothing wrote {self.entity} to system {self.flow.target.system}: {which}",
                system=self.flow.target.system,
            )
        item.result = result
        item.target_id = result.target_id
        item.bind = True
        if item.action == Action.CREATE and not item.match and not self.dry_run:
            try:
                with self._store_lock:  # no match key could find it again: bind at once
                    self.store.bind(
                        self.flow.source.name,
                        self.flow.target.name,
                        self.entity,
                        item.source_id,
                        result.target_id,
                        item.content_hash,
                    )
            except Exception as exc:  # written all the same: the chunk's bookkeeping binds it
                self.log.warning(
                    "could not bind right after the create",
                    record=item.source_id,
                    target_id=result.target_id,
                    problem=str(exc),
                )
            else:
                item.bound = True

    # -- 4. book -------------------------------------------------------------------

    def _book(self, chunk: list[Item], *, advance: bool) -> None:
        flow, store = self.flow, self.store
        done = [item for item in chunk if item.action is not None]
        if not self.dry_run:
            with self._store_lock:
                self._bind(
                    [
                        item
                        for item in done
                        if item.bind and not item.bound and not item.failed and item.target_id
                    ]
                )
                synced = [
                    item.source_id
                    for item in done
                    if not item.failed and item.source_id in self._parked_ids
                ]
                if synced:
                    store.unpark_many(flow.name, self.entity, synced)
                    self._parked_ids.difference_update(synced)
                for item in done:
                    if item.failed:
                        store.park(
                            flow.name,
                            self.entity,
                            item.source_id,
                            item.record.data,
                            item.message or "failed",
                            type(item.error).__name__,
                            item.record.cursor,
                        )
                        self._parked_ids.add(item.source_id)
                store.log_activity_many(
                    self.result.run_id,
                    flow.name,
                    [self._activity(item) for item in done if not item.unchanged],
                )
                last = _last_cursor(chunk) if advance else None
                if last is not None:
                    store.set_cursor(flow.name, self.entity, last)
        for item in done:
            self._count(item)
            if self._observed:
                self.observer.processed(self._outcome(item))

    def _bind(self, items: list[Item]) -> None:
        """Bind the chunk's records; one whose target id another record holds fails instead."""
        if not items:
            return
        flow, store = self.flow, self.store
        scope = (flow.source.name, flow.target.name, self.entity)
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
                        f"written to {self.entity} {item.target_id} in the target, which is "
                        f"bound to source record {owner.source_id if owner else '(unknown)'}",
                        record=item.source_id,
                    )
                )

    def _activity(self, item: Item) -> Any:
        """The activity entry of one record; the store redacts secrets before it writes."""
        from koppel.state import NewActivity

        writing = item.action in (Action.CREATE, Action.UPDATE) or item.result is not None
        response = item.result.response if item.result else None
        return NewActivity(
            entity=self.entity,
            record_id=item.source_id,
            action=str(item.action),
            source=item.record.data if writing or item.failed else None,
            sent=item.payload if writing else None,
            response=response or None,
            message=item.message,
        )

    def _count(self, item: Item) -> None:
        name = {
            Action.CREATE: "created",
            Action.UPDATE: "updated",
            Action.SKIP: "skipped",
            Action.FAIL: "failed",
        }[item.action or Action.FAIL]
        self.result.counts[name] += 1

    def _outcome(self, item: Item) -> RecordOutcome:
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


def _with_record(exc: BaseException, item: Item) -> BaseException:
    if isinstance(exc, KoppelError):
        exc.with_context(record=item.source_id)
    return exc


def _last_cursor(chunk: Sequence[Item]) -> str | None:
    """The cursor after the chunk, or None when a record in it is not done."""
    if any(item.action is None for item in chunk):
        return None
    for item in reversed(chunk):
        if item.record.cursor is not None:
            return item.record.cursor
    return None


def _lanes(writes: list[Item]) -> list[list[Item]]:
    """Group writes so that those sharing a target record or a debtor run in order."""
    owner: dict[Hashable, int] = {}
    lanes: dict[int, list[Item]] = {}
    numbers = itertools.count()
    for item in writes:
        keys = [*item.identity_keys(), *item.order_keys]
        joined = sorted({owner[k] for k in keys if k in owner})
        if not joined:
            lane_id = next(numbers)
            lanes[lane_id] = []
        else:
            lane_id = joined[0]
            for other in joined[1:]:
                for moved in lanes.pop(other):
                    lanes[lane_id].append(moved)
                    for key in (*moved.identity_keys(), *moved.order_keys):
                        owner[key] = lane_id
                lanes[lane_id].sort(key=lambda i: i.index)
        lanes[lane_id].append(item)
        for key in keys:
            owner[key] = lane_id
    return list(lanes.values())
