"""What every part of the store shares: the engine, transactions, the clock, upserts."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from itertools import repeat
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from koppel.state._engine import BEGIN_OPTION

__all__ = ["CHUNK", "StoreBase", "chunks", "utcnow"]

#: Values per IN-list; well under SQLite's and PostgreSQL's limits on bound parameters.
CHUNK = 500

_T = TypeVar("_T")


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


def chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StoreBase:
    """Holds the engine; parts of :class:`StateStore` build on it."""

    def __init__(self, engine: sa.Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._reader = engine.execution_options(**{BEGIN_OPTION: "DEFERRED"})

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def _write(self) -> AbstractContextManager[sa.Connection]:
        """A transaction that writes (``BEGIN IMMEDIATE`` on SQLite); commits on exit."""
        return self.engine.begin()

    def _read(self) -> AbstractContextManager[sa.Connection]:
        """A read-only transaction (a deferred ``BEGIN`` on SQLite)."""
        return self._reader.connect()

    def _executemany(
        self, conn: sa.Connection, stmt: sa.Insert, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Run ``stmt`` once per row through the driver's ``executemany``.

        Same result as ``conn.execute(stmt, rows)`` at a fraction of the cost per row:
        the statement is compiled and the columns' bind processors looked up once,
        not per row, and a value all rows share is processed once. Every row must
        have the same keys.
        """
        if not rows:
            return
        keys = list(rows[0])
        dialect = conn.dialect
        compiled = stmt.compile(dialect=dialect, column_keys=keys)
        table = stmt.table
        assert isinstance(table, sa.Table)
        columns: dict[str, list[Any]] = {}
        for key in keys:
            values = [row[key] for row in rows]
            proc = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
            if proc is None:
                columns[key] = values
            elif all(map(operator.is_, values, repeat(values[0]))):  # one run timestamp
                columns[key] = [proc(values[0])] * len(values)
            else:
                columns[key] = list(map(proc, values))
        if compiled.positional:
            order = compiled.positiontup or []
            params: list[Any] = list(zip(*(columns[k] for k in order), strict=True))
        else:
            params = [dict(zip(keys, r, strict=True)) for r in zip(*columns.values(), strict=True)]
        conn.exec_driver_sql(compiled.string, params)

    def _insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT, which offers ``on_conflict_do_update/nothing``."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
