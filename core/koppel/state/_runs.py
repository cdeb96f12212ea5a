"""Runs of a flow, the lock a run holds, and the cursors that say where the next fetch starts."""

from __future__ import annotations

import functools
import os
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from koppel.errors import FlowBusyError, StateError
from koppel.state._base import StoreBase, dialect_insert
from koppel.state._locks import acquire_locks
from koppel.state._models import RunInfo
from koppel.state._schema import cursors, runs

__all__ = ["RUN_STATUSES", "RunsMixin"]

#: What a run's status can be: "stopped" ended on a koppel error (authorisation,
#: configuration, an unreachable API), "crashed" on anything else or a killed process,
#: "paused" on a spent day budget of API calls (it goes on after the reset).
RUN_STATUSES = ("running", "ok", "failed", "stopped", "crashed", "paused")


def _run(row: sa.Row[tuple[object, ...]]) -> RunInfo:
    m = row._mapping
    return RunInfo(
        id=m["id"],
        flow=m["flow"],
        dry_run=m["dry_run"],
        status=m["status"],
        started_at=m["started_at"],
        finished_at=m["finished_at"],
        counts=dict(m["counts"] or {}),
        pid=m["pid"],
        host=m["host"],
        message=m["message"],
    )


#: How often, and how many seconds apart, a refused run looks again when the lock's
#: holder shows no running run: it records its run right after taking the lock, and
#: finishes its run just before giving it back.
_SETTLE_TRIES, _SETTLE_WAIT = 40, 0.05


def _holder(run: RunInfo) -> str:
    started = run.started_at.isoformat(timespec="seconds")
    return f"{started} (run {run.id}, pid {run.pid}, {run.host})"


@functools.cache
def _cursor_upsert(dialect: str) -> sa.Insert:
    """Insert or update a cursor, built once per dialect (it is stored every chunk)."""
    stmt = dialect_insert(dialect, cursors)
    upsert: sa.Insert = stmt.on_conflict_do_update(
        index_elements=[cursors.c.flow, cursors.c.entity],
        set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
    )
    return upsert


class RunsMixin(StoreBase):
    """Runs and cursors."""

    @contextmanager
    def run_lock(
        self, flow: str, keys: Sequence[str] = (), *, dry_run: bool = False
    ) -> Iterator[None]:
        """Hold the lock of ``flow`` (and of every name in ``keys``) for the ``with`` block.

        Takes it without waiting for a run: only a holder that shows no running run
        (it is just starting or just ending one) is given up to two seconds. Runs of
        ``flow`` still "running" are then known
        dead (their process held the lock until it ended) and are closed as
        "crashed". A lock whose holder died is free again at once. Dry runs take
        a lock of their own (they write nothing a real run reads) and no ``keys``.

        :raises FlowBusyError: naming when, where and by which process the flow
            runs, when another holder has it.
        """
        names = [f"dry-run:{flow}"] if dry_run else [f"flow:{flow}", *keys]
        held = acquire_locks(self.engine, names)
        for _ in range(_SETTLE_TRIES):  # a holder without a running run is starting or ending
            if held is not None:
                break
            running = self._running(dry_run)
            if running:
                raise FlowBusyError(self._busy_message(flow, running), flow=flow)
            time.sleep(_SETTLE_WAIT)
            held = acquire_locks(self.engine, names)
        if held is None:
            raise FlowBusyError(self._busy_message(flow, []), flow=flow)
        try:
            self.close_dead_runs(flow, dry_run=dry_run)
            yield
        finally:
            held.release()

    def _running(self, dry_run: bool) -> list[RunInfo]:
        return [
            run
            for run in self.runs(None, limit=50)
            if run.status == "running" and run.dry_run == dry_run
        ]

    @staticmethod
    def _busy_message(flow: str, running: Sequence[RunInfo]) -> str:
        """Who holds the lock: a run of ``flow``, else the newest running run of a flow
        that writes the same records."""
        own = [run for run in running if run.flow == flow]
        if own:
            return f"flow {flow} is running since {_holder(own[0])}"
        if running:
            other = running[0]
            return (
                f"flow {flow} writes the same records as flow {other.flow}, which is running "
                f"since {_holder(other)}"
            )
        return f"flow {flow} is running (a run that writes the same records holds the lock)"

    def close_dead_runs(self, flow: str, *, dry_run: bool = False) -> list[int]:
        """Close the (dry) runs of ``flow`` left "running" by a process that died; their ids.

        Call only while holding the flow's :meth:`run_lock`.
        """
        query = sa.select(runs.c.id).where(
            runs.c.flow == flow, runs.c.status == "running", runs.c.dry_run == dry_run
        )
        with self._write() as conn:
            dead = [int(run_id) for run_id in conn.execute(query).scalars()]
            if dead:
                conn.execute(
                    runs.update()
                    .where(runs.c.id.in_(dead))
                    .values(
                        status="crashed",
                        finished_at=self.clock(),
                        message="the process ended during the run (found by a later run)",
                    )
                )
        return dead

    def start_run(self, flow: str, *, dry_run: bool = False) -> int:
        """Record that a run of ``flow`` starts in this process; its id (status "running")."""
        with self._write() as conn:
            run_id = conn.execute(
                runs.insert()
                .values(
                    flow=flow,
                    dry_run=dry_run,
                    status="running",
                    started_at=self.clock(),
                    counts={},
                    pid=os.getpid(),
                    host=socket.gethostname(),
                )
                .returning(runs.c.id)
            ).scalar_one()
        return int(run_id)

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        counts: Mapping[str, int],
        message: str | None = None,
    ) -> None:
        """Record how run ``run_id`` ended: a status of :data:`RUN_STATUSES`, counts, why."""
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"a run cannot finish as {status!r}")
        with self._write() as conn:
            result = conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(
                    status=status, counts=dict(counts), finished_at=self.clock(), message=message
                )
            )
        if result.rowcount == 0:
            raise StateError(f"there is no run {run_id}", run=run_id)

    def get_run(self, run_id: int) -> RunInfo | None:
        """Run ``run_id``, or None."""
        with self._read() as conn:
            row = conn.execute(runs.select().where(runs.c.id == run_id)).first()
        return _run(row) if row is not None else None

    def runs(self, flow: str | None = None, limit: int = 20) -> list[RunInfo]:
        """The latest ``limit`` runs (of ``flow``, or of all flows), newest first."""
        query = runs.select().order_by(runs.c.id.desc()).limit(limit)
        if flow is not None:
            query = query.where(runs.c.flow == flow)
        with self._read() as conn:
            return [_run(row) for row in conn.execute(query)]

    def get_cursor(self, flow: str, entity: str) -> str | None:
        """Where the next fetch of ``entity`` in ``flow`` starts; None: from the beginning."""
        with self._read() as conn:
            value: str | None = conn.execute(
                sa.select(cursors.c.value).where(cursors.c.flow == flow, cursors.c.entity == entity)
            ).scalar_one_or_none()
        return value

    def set_cursor(self, flow: str, entity: str, value: str | None) -> None:
        """Store the cursor of ``entity`` in ``flow`` (None starts over next time)."""
        with self._write() as conn:
            self._set_cursor(conn, flow, entity, value)

    def _set_cursor(self, conn: sa.Connection, flow: str, entity: str, value: str | None) -> None:
        """:meth:`set_cursor` in the caller's transaction."""
        row: dict[str, Sequence[Any]] = {
            "flow": [flow],
            "entity": [entity],
            "value": [value],
            "updated_at": [self.clock()],
        }
        self._insert_columns(conn, _cursor_upsert(self.dialect), row)

    def cursors(self, flow: str) -> dict[str, str | None]:
        """Every cursor of ``flow``, by entity."""
        query = sa.select(cursors.c.entity, cursors.c.value).where(cursors.c.flow == flow)
        with self._read() as conn:
            return {entity: value for entity, value in conn.execute(query)}
