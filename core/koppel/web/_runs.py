"""Starting a flow's run from the web: as a job for the workers when some are running
(PostgreSQL with procrastinate), otherwise in a thread of the server, with its progress."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING

import attrs
import sqlalchemy as sa

from koppel.engine import RunObserver, RunResult
from koppel.errors import FlowBusyError, KoppelError
from koppel.log import get_logger

if TYPE_CHECKING:
    from koppel.engine import RecordOutcome
    from koppel.flows import Flow
    from koppel.state import StateStore

__all__ = ["Launch", "RunLauncher", "RunProgress", "Runner", "workers_alive"]

#: Runs one flow once on a store, reporting to an observer (the engine's ``run_flow``,
#: or a sandboxed one).
Runner = Callable[["Flow", "StateStore", RunObserver], RunResult]

#: A worker whose heartbeat is older than this does not count as running.
_WORKER_HEARTBEAT = 120

log = get_logger(component="web")


@attrs.frozen
class Launch:
    """How a run was started: ``via`` "thread" (in this server) or "worker" (a job,
    ``job`` its id, None when a run of the flow was queued already)."""

    flow: str
    via: str
    job: int | None = None


@attrs.define
class RunProgress(RunObserver):
    """A run in this server: records read and done, failures so far, and its end."""

    flow: str
    started: float = attrs.field(factory=time.monotonic)
    fetched_count: int = 0
    done: int = 0
    failed: int = 0
    result: RunResult | None = None
    error: str | None = None
    ended: float | None = None

    def fetched(self, count: int) -> None:
        self.fetched_count += count

    def processed(self, outcome: RecordOutcome) -> None:
        self.done += 1
        if outcome.action == "fail":
            self.failed += 1

    @property
    def elapsed(self) -> float:
        """Seconds it ran: until now, or until it ended."""
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    @property
    def finished(self) -> bool:
        """Whether the run has ended."""
        return self.ended is not None

    def end(self) -> None:
        """Mark the run finished, its time stopped."""
        self.ended = time.monotonic()


def _stamp(flow: Flow) -> int | None:
    """When ``flow``'s file was last changed (None: no file, or it is gone)."""
    try:
        return flow.path.stat().st_mtime_ns if flow.path is not None else None
    except OSError:
        return None


def workers_alive(store: StateStore) -> bool:
    """Whether any ``koppel worker`` on this (PostgreSQL) store sent a heartbeat lately."""
    if store.dialect != "postgresql":
        return False
    with store.engine.connect() as conn:
        if conn.execute(sa.text("SELECT to_regclass('procrastinate_workers')")).scalar() is None:
            return False
        count = conn.execute(
            sa.text(
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat > now() - make_interval(secs => :secs)"
            ),
            {"secs": _WORKER_HEARTBEAT},
        ).scalar()
    return bool(count)


def _engine_runner(flow: Flow, store: StateStore, observer: RunObserver) -> RunResult:
    from koppel.engine import run_flow

    return run_flow(flow, store, observer=observer)


class RunLauncher:
    """Starts runs of the served flows and keeps the progress of those it ran itself.

    :param flows: the served flows, by name (shared with :class:`~koppel.web.Web`): a
        flow whose file changed since it was read is read again when a run starts, so an
        operator's fix (a lookup table's new line) counts from that run on.
    :param runner: how a run is made in a thread (the engine's ``run_flow`` by default).
    :param use_worker: queue runs for the workers: True always (PostgreSQL), False
        never, None when a worker is alive (:func:`workers_alive`).
    """

    def __init__(
        self,
        store: StateStore,
        flows: MutableMapping[str, Flow],
        *,
        runner: Runner | None = None,
        use_worker: bool | None = None,
    ) -> None:
        self.store = store
        self.flows = flows
        self._read_at = {name: _stamp(served) for name, served in flows.items()}
        self.runner = runner or _engine_runner
        self.use_worker = use_worker
        self._lock = threading.Lock()
        self._runs: dict[str, RunProgress] = {}
        self._threads: dict[str, threading.Thread] = {}

    def start(self, flow: str) -> Launch:
        """Start a run of ``flow`` now.

        :raises FlowBusyError: when this server runs the flow already.
        :raises KeyError: for a flow it does not serve.
        :raises KoppelError: when its file changed and no longer reads as this flow.
        """
        definition = self._current(flow)
        worker = self.use_worker
        if worker is None:
            worker = workers_alive(self.store)
        if worker:
            return self._enqueue(flow)
        with self._lock:
            running = self._threads.get(flow)
            if running is not None and running.is_alive():
                raise FlowBusyError("this flow is running already", flow=flow)
            progress = RunProgress(flow)
            thread = threading.Thread(
                target=self._run, args=(definition, progress), name=f"koppel-run-{flow}"
            )
            self._runs[flow], self._threads[flow] = progress, thread
            thread.start()
        return Launch(flow=flow, via="thread")

    def _current(self, name: str) -> Flow:
        """The served flow ``name``, read again when its file changed since."""
        flow = self.flows[name]
        stamp = _stamp(flow)
        if flow.path is None or stamp is None or stamp == self._read_at.get(name):
            return flow
        from koppel.errors import ConfigurationError
        from koppel.flows import load_flow

        fresh = load_flow(flow.path)
        if fresh.name != name:
            raise ConfigurationError(
                f"{flow.path} now names flow {fresh.name!r}, not {name!r}: restart koppel "
                "serve to serve it",
                flow=name,
            )
        self.flows[name], self._read_at[name] = fresh, stamp
        return fresh

    def progress(self, flow: str) -> RunProgress | None:
        """The progress of the last run of ``flow`` this server made, or None."""
        with self._lock:
            return self._runs.get(flow)

    def wait(self, flow: str, timeout: float | None = None) -> RunProgress | None:
        """Wait for this server's run of ``flow`` to end (tests, shutdown)."""
        with self._lock:
            thread = self._threads.get(flow)
        if thread is not None:
            thread.join(timeout)
        return self.progress(flow)

    def join(self, timeout: float | None = None) -> None:
        """Wait for every run this server started."""
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout)

    def _run(self, flow: Flow, progress: RunProgress) -> None:
        try:
            progress.result = self.runner(flow, self.store, progress)
        except KoppelError as exc:
            progress.error = str(exc)
            log.warning("a run started from the web stopped", flow=flow.name, problem=str(exc))
        except Exception as exc:  # a thread must not die silently
            progress.error = f"internal error: {type(exc).__name__}: {exc}"
            log.exception("a run started from the web failed", flow=flow.name)
        finally:
            progress.end()

    def _enqueue(self, flow: str) -> Launch:
        from koppel.worker import FlowWorker

        worker = FlowWorker(self.flows, self.store)
        worker.app.open()
        try:
            job = worker.enqueue(flow)
        finally:
            worker.app.close()
        return Launch(flow=flow, via="worker", job=job)
