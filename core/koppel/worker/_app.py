"""``koppel worker``: flow runs as procrastinate jobs on the state store's PostgreSQL.

Two tasks:

* ``koppel.run_flow(flow)``: one run of a flow. Its queueing lock and lock are the
  flow's name, so a flow is never queued twice nor run twice at once, by any worker
  on any machine (and the run's own flow lock guards against ``koppel run`` by
  hand). A passing problem (API down, rate limited, the flow busy) is retried
  with back-off; a run that paused on a spent day budget is queued again for
  the moment the budget resets.
* ``koppel.tick``: every 15 seconds (one job for all workers, procrastinate's
  periodic tasks deduplicate), queues the flows whose ``schedule`` fell due in
  those 15 seconds and puts the jobs of a worker that died (no heartbeat) back
  in the queue.

On SIGTERM or SIGINT a worker takes no new job; a run in hand finishes the chunk
it is writing, books it and stops, and its flow is queued again for the next
worker.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from koppel.alerts import AlertConfig, check_flow
from koppel.engine import RunObserver, RunResult, run_flow
from koppel.errors import FatalError, FlowBusyError, KoppelError, RetriableError
from koppel.flows import Flow
from koppel.http import SharedRateLimiter, set_default_rate_limiter
from koppel.log import get_logger
from koppel.state import StateStore
from koppel.worker._flows import due

__all__ = ["RUN_TASK", "TICK_SECONDS", "FlowWorker", "WorkerStopping", "conninfo_of"]

RUN_TASK = "koppel.run_flow"
TICK_TASK = "koppel.tick"
#: How often the schedules are looked at, in seconds.
TICK_SECONDS = 15

#: Retries of a run that failed on a passing problem: up to 5, each wait longer (procrastinate's
#: wait = linear_wait * attempts + exponential_wait ** (attempts + 1)).
RETRY = procrastinate.RetryStrategy(
    max_attempts=5,
    exponential_wait=2,
    linear_wait=10,
    retry_exceptions={RetriableError, FlowBusyError},
)

log = get_logger(component="worker")


class WorkerStopping(FatalError):
    """The worker was asked to stop: the run ends after the chunk in hand."""


def conninfo_of(store: StateStore) -> str:
    """The libpq connection string of a PostgreSQL state store (for procrastinate)."""
    url = store.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class _StopBetweenChunks(RunObserver):
    """Ends a run before its next chunk once the worker is stopping."""

    def __init__(self, stopping: threading.Event, flow: str) -> None:
        self.stopping = stopping
        self.flow = flow

    def fetched(self, count: int) -> None:
        if self.stopping.is_set():
            raise WorkerStopping(
                "the worker is stopping; the flow is queued again for the next worker",
                flow=self.flow,
            )


class FlowWorker:
    """A worker's flows, state store and procrastinate app.

    :param flows: the flows it serves, by name.
    :param store: a PostgreSQL state store, shared by every worker.
    :param stalled_after: seconds without a heartbeat after which a worker counts as
        dead and its jobs are queued again.
    :param alerts: where alerts go; after every run the worker sends the flow's new and
        resolved problems (see :mod:`koppel.alerts`); None sends none but keeps count.
    :param run_options: passed to :func:`koppel.engine.run_flow` (tests: transports).
    """

    def __init__(
        self,
        flows: Mapping[str, Flow],
        store: StateStore,
        *,
        stalled_after: float = 60.0,
        alerts: AlertConfig | None = None,
        run_options: Mapping[str, Any] | None = None,
    ) -> None:
        if store.dialect != "postgresql":
            raise FatalError(
                "the worker needs a PostgreSQL state store (--state postgresql://...); "
                f"{store.url} is {store.dialect}"
            )
        self.flows = dict(flows)
        self.store = store
        self.stalled_after = stalled_after
        self.alerts = alerts
        self.run_options = dict(run_options or {})
        self.stopping = threading.Event()
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=conninfo_of(store)),
        )
        self._run_task = self.app.task(name=RUN_TASK, retry=RETRY, pass_context=False)(self.run_job)
        tick = self.app.task(name=TICK_TASK, queueing_lock=TICK_TASK)(self.tick)
        self.app.periodic(cron=f"* * * * * */{TICK_SECONDS}", periodic_id="schedules")(tick)

    def enqueue(self, flow: str, *, at: datetime | None = None) -> int | None:
        """Queue a run of ``flow`` (at ``at``, else now); its job id, or None when a run of
        it is queued already."""
        if flow not in self.flows:
            raise FatalError(f"the worker has no flow {flow!r}", flow=flow)
        task = self._run_task.configure(
            lock=f"flow:{flow}", queueing_lock=f"flow:{flow}", schedule_at=at
        )
        try:
            return task.defer(flow=flow)
        except AlreadyEnqueued:
            return None

    def run_job(self, flow: str) -> dict[str, Any]:
        """The job of task ``koppel.run_flow``: run ``flow`` once; queue it again when it
        paused or the worker is stopping."""
        definition = self.flows.get(flow)
        if definition is None:
            log.warning("a job names a flow this worker does not have", flow=flow)
            return {"flow": flow, "skipped": "unknown flow"}
        try:
            result: RunResult = run_flow(
                definition,
                self.store,
                observer=_StopBetweenChunks(self.stopping, flow),
                **self.run_options,
            )
        except WorkerStopping:
            self.enqueue(flow)
            return {"flow": flow, "stopped": True}
        finally:
            self._alert(flow)
        if result.paused_until is not None:
            self.enqueue(flow, at=result.paused_until)
            log.info("the run paused", flow=flow, until=result.paused_until.isoformat())
        return {"flow": flow, "run": result.run_id, "counts": dict(result.counts)}

    def _alert(self, flow: str) -> None:
        """Tell the flow's new and resolved problems; a failure to tell is logged and
        told at the next run."""
        try:
            check_flow(self.store, flow, self.alerts)
        except KoppelError as exc:
            log.error("could not send the alert", flow=flow, problem=str(exc))

    async def tick(self, timestamp: int) -> list[str]:
        """The job of task ``koppel.tick``: queue the flows due in the last tick; queue
        the jobs of dead workers again. Returns the flows it queued."""
        until = datetime.fromtimestamp(timestamp, UTC)
        queued = []
        for flow in due(self.flows, until - timedelta(seconds=TICK_SECONDS), until):
            pause = await asyncio.to_thread(self.store.pause, flow)
            if pause is not None and pause.resume_at > until:
                continue  # its job waits for the reset already
            if await asyncio.to_thread(self.enqueue, flow) is not None:
                queued.append(flow)
        manager = self.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled_after):
            log.warning("a worker died during a job; queued again", job=job.id, task=job.task_name)
            await manager.retry_job(job)
        return queued

    def run(self, *, concurrency: int = 4) -> None:
        """Work until SIGTERM or SIGINT, then stop gracefully (see the module's docstring).

        Every client this process builds draws on the API budgets kept in the state
        store, which all workers share (:class:`koppel.http.SharedRateLimiter`).
        """
        set_default_rate_limiter(SharedRateLimiter(self.store))
        asyncio.run(self._work(concurrency))

    async def _work(self, concurrency: int) -> None:
        loop = asyncio.get_running_loop()
        async with self.app.open_async():
            worker = asyncio.create_task(
                self.app.run_worker_async(
                    concurrency=concurrency,
                    install_signal_handlers=False,
                    delete_jobs="successful",  # a tick every 15 s would pile up otherwise
                    update_heartbeat_interval=max(self.stalled_after / 6, 1.0),
                    stalled_worker_timeout=self.stalled_after,
                    name=f"koppel@{socket.gethostname()}:{os.getpid()}",
                )
            )

            def stop() -> None:
                log.info("stopping: the runs in hand finish their chunk")
                self.stopping.set()
                worker.cancel()  # procrastinate waits for the jobs in hand

            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop)
            try:
                await worker
            except asyncio.CancelledError:
                if not self.stopping.is_set():
                    raise
            finally:
                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(signum)
