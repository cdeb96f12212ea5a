"""What every part of the store shares: the engine, transactions, the clock, upserts."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from itertools import repeat
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from koppel.state._engine import BEGIN_OPTION

__all__ = ["CHUNK", "StoreBase", "chunks", "dialect_insert", "driver_value", "utcnow"]

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


@functools.lru_cache(maxsize=64)
def _processor(column: sa.Column[Any], dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def driver_value(dialect: sa.Dialect, column: sa.Column[Any], value: Any) -> Any:
    """``value`` as the driver takes it for ``column`` (for driver SQL)."""
    process = _processor(column, dialect)
    return value if process is None else process(value)


@functools.lru_cache(maxsize=64)
def _prepared(
    stmt: sa.Insert, dialect: sa.Dialect, keys: tuple[str, ...]
) -> tuple[str, tuple[str, ...] | None, tuple[Callable[[Any], Any] | None, ...]]:
    """``stmt`` compiled for ``keys``: its SQL, the order of its positional parameters
    (None: by name) and the columns' bind processors."""
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
    table = stmt.table
    assert isinstance(table, sa.Table)
    procs = tuple(_processor(table.c[key], dialect) for key in keys)
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    return compiled.string, order, procs


def dialect_insert(dialect: str, table: sa.Table) -> Any:
    """The INSERT of ``dialect`` ("sqlite" or "postgresql"), which offers
    ``on_conflict_do_update/nothing``."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


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
        """Run ``stmt`` once per row (every row with the same keys) through the driver's
        ``executemany``: :meth:`_insert_columns` of the rows' columns."""
        if rows:
            self._insert_columns(conn, stmt, {key: [row[key] for row in rows] for key in rows[0]})

    def _insert_columns(
        self, conn: sa.Connection, stmt: sa.Insert, columns: Mapping[str, Sequence[Any]]
    ) -> None:
        """Run ``stmt`` once per row through the driver's ``executemany``; ``columns``
        holds each column's values (as many for each; ``[value] * n`` for one value).

        Same result as ``conn.execute(stmt, rows)`` at a fraction of the cost per row:
        the statement is compiled and the columns' bind processors looked up once per
        statement object (keep hot statements in module constants), not per call or
        row, and a value all rows share is processed once.
        """
        keys = tuple(columns)
        sql, order, procs = _prepared(stmt, conn.dialect, keys)
        bound: dict[str, Sequence[Any]] = {}
        for key, proc in zip(keys, procs, strict=True):
            values = columns[key]
            if proc is None or not values:
                bound[key] = values
            elif all(map(operator.is_, values, repeat(values[0]))):  # one run timestamp
                bound[key] = [proc(values[0])] * len(values)
            else:
                bound[key] = list(map(proc, values))
        if order is not None:
            params: list[Any] = list(zip(*(bound[k] for k in order), strict=True))
        else:
            params = [dict(zip(keys, r, strict=True)) for r in zip(*bound.values(), strict=True)]
        if params:
            conn.exec_driver_sql(sql, params)

    def _where_in(
        self, conn: sa.Connection, sql: str, fixed: Sequence[Any], values: Sequence[Any]
    ) -> list[Any]:
        """The rows of driver ``sql`` (``?`` for its parameters) that ends in a column
        followed by `` IN``, once per :data:`CHUNK` of ``values`` (duplicates dropped):
        ``fixed`` fills its other parameters. Cheaper than a compiled ``in_()`` of
        SQLAlchemy, which builds the list's SQL anew on every call."""
        mark = "?" if self.dialect == "sqlite" else "%s"
        if mark != "?":
            sql = sql.replace("?", mark)
        found: list[Any] = []
        for part in chunks(list(dict.fromkeys(values))):
            result = conn.exec_driver_sql(
                f"{sql} ({', '.join(repeat(mark, len(part)))})", (*fixed, *part)
            )
            if result.returns_rows:
                found.extend(result.fetchall())
        return found

    def _insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT, which offers ``on_conflict_do_update/nothing``."""
        return dialect_insert(self.dialect, table)
