"""Runs of a flow and the cursors that say where the next fetch starts."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from koppel.errors import StateError
from koppel.state._base import StoreBase
from koppel.state._models import RunInfo
from koppel.state._schema import cursors, runs

__all__ = ["RunsMixin"]


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
    )


class RunsMixin(StoreBase):
    """Runs and cursors."""

    def start_run(self, flow: str, *, dry_run: bool = False) -> int:
        """Record that a run of ``flow`` starts; returns its id (status "running")."""
        with self._write() as conn:
            run_id = conn.execute(
                runs.insert()
                .values(
                    flow=flow, dry_run=dry_run, status="running", started_at=self.clock(), counts={}
                )
                .returning(runs.c.id)
            ).scalar_one()
        return int(run_id)

    def finish_run(self, run_id: int, *, status: str, counts: Mapping[str, int]) -> None:
        """Record how run ``run_id`` ended: status "ok", "failed" or "crashed", and counts."""
        with self._write() as conn:
            result = conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(status=status, counts=dict(counts), finished_at=self.clock())
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
        stmt = self._insert(cursors).values(
            flow=flow, entity=entity, value=value, updated_at=self.clock()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[cursors.c.flow, cursors.c.entity],
            set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
        )
        with self._write() as conn:
            conn.execute(stmt)

    def cursors(self, flow: str) -> dict[str, str | None]:
        """Every cursor of ``flow``, by entity."""
        query = sa.select(cursors.c.entity, cursors.c.value).where(cursors.c.flow == flow)
        with self._read() as conn:
            return {entity: value for entity, value in conn.execute(query)}
