"""Number ranges (debtor numbers and the like) and the history of file exports."""

from __future__ import annotations

import sqlalchemy as sa

from koppel.errors import RecordError
from koppel.state._base import StoreBase
from koppel.state._models import ExportInfo
from koppel.state._schema import exports, number_ranges

__all__ = ["NumbersMixin"]


class NumbersMixin(StoreBase):
    """Hand out numbers from ranges atomically; keep the export history."""

    def next_number(self, range_name: str, start: int, end: int) -> int:
        """The next number of ``range_name`` in ``start..end`` (inclusive), never given twice.

        Safe across threads, processes and workers (a row lock on PostgreSQL,
        ``BEGIN IMMEDIATE`` on SQLite). A range moved up in the configuration
        continues at its new ``start``. Raises :class:`RecordError` when the
        range is used up.
        """
        if start > end:
            raise RecordError(
                f"number range {range_name!r} is empty: start {start} is after end {end}",
                range=range_name,
            )
        now = self.clock()
        with self._write() as conn:
            conn.execute(
                self._insert(number_ranges)
                .values(name=range_name, next_value=start, updated_at=now)
                .on_conflict_do_nothing(index_elements=[number_ranges.c.name])
            )
            current = conn.execute(
                sa.select(number_ranges.c.next_value)
                .where(number_ranges.c.name == range_name)
                .with_for_update()
            ).scalar_one()
            value = max(int(current), start)
            if value > end:
                raise RecordError(
                    f"number range {range_name!r} is used up: every number from {start} to "
                    f"{end} has been handed out; widen the range",
                    range=range_name,
                )
            conn.execute(
                number_ranges.update()
                .where(number_ranges.c.name == range_name)
                .values(next_value=value + 1, updated_at=now)
            )
        return value

    def record_export(
        self,
        flow: str,
        path: str,
        *,
        status: str = "ok",
        message: str | None = None,
        entity: str | None = None,
        records: int | None = None,
    ) -> int:
        """Remember that ``flow`` exported a file to ``path``; returns the export's id."""
        with self._write() as conn:
            export_id = conn.execute(
                exports.insert()
                .values(
                    flow=flow,
                    entity=entity,
                    path=path,
                    status=status,
                    message=message,
                    records=records,
                    created_at=self.clock(),
                )
                .returning(exports.c.id)
            ).scalar_one()
        return int(export_id)

    def exports(self, flow: str | None = None, limit: int = 50) -> list[ExportInfo]:
        """The latest ``limit`` exports (of ``flow``), newest first."""
        query = exports.select().order_by(exports.c.id.desc()).limit(limit)
        if flow is not None:
            query = query.where(exports.c.flow == flow)
        with self._read() as conn:
            return [ExportInfo(**row._mapping) for row in conn.execute(query)]
