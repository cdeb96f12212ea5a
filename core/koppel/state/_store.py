"""The state store: one object over every table, opened (and migrated) by :func:`open_state`."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from koppel.errors import StateError
from koppel.state._alerts import AlertsMixin
from koppel.state._base import utcnow
from koppel.state._chunks import ChunksMixin
from koppel.state._commitments import CommitmentsMixin
from koppel.state._engine import create_state_engine, resolve_url
from koppel.state._limits import LimitsMixin
from koppel.state._migrate import upgrade
from koppel.state._numbers import NumbersMixin
from koppel.state._relations import RelationsMixin
from koppel.state._remembered import RememberedMixin
from koppel.state._schema import cursors, parked, pending
from koppel.state._tokens import SqlTokenStore

__all__ = ["StateStore", "open_state"]


class StateStore(
    ChunksMixin,
    NumbersMixin,
    CommitmentsMixin,
    RelationsMixin,
    LimitsMixin,
    AlertsMixin,
    RememberedMixin,
):
    """Runs and their locks, cursors, bindings, parked records, activity, writes in flight,
    tokens, number ranges, exports, the commitments register, what connections remember.

    Every method runs in its own transaction and is safe to call from several
    threads; several processes (SQLite) or workers (PostgreSQL) may share one store.
    """

    def __init__(self, engine: sa.Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(engine, clock=clock)
        self._tokens: SqlTokenStore | None = None

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def reset_flow(self, flow: str, *, bindings: tuple[str, str, str] | None = None) -> None:
        """Forget the cursors and parked records of ``flow``: the next run fetches everything.

        ``bindings`` = (source, target, entity) forgets those bindings too, so the
        next run decides existence by match key alone.
        """
        with self._write() as conn:
            conn.execute(cursors.delete().where(cursors.c.flow == flow))
            conn.execute(parked.delete().where(parked.c.flow == flow))
            conn.execute(pending.delete().where(pending.c.flow == flow))
        if bindings is not None:
            self.forget_bindings(*bindings)

    def token_store(self) -> SqlTokenStore:
        """The :class:`koppel.http.TokenStore` kept in this store (encrypted at rest)."""
        if self._tokens is None:
            lock_path = None
            if self.dialect == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
                lock_path = Path(f"{self.engine.url.database}-tokens.lock")
            self._tokens = SqlTokenStore(self.engine, lock_path=lock_path, clock=self.clock)
        return self._tokens

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_state(
    url_or_path: str | os.PathLike[str] | None = None,
    *,
    schema: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    create: bool = True,
) -> StateStore:
    """Open the state store, creating it and migrating it to the newest schema.

    :param url_or_path: a file path (SQLite), ``:memory:`` (one shared connection: for
        tests and single-threaded use), a ``sqlite:///`` URL or a
        ``postgresql://`` URL; None means ``$KOPPEL_STATE`` or else
        ``state.sqlite3`` in the user data directory.
    :param schema: PostgreSQL only: the schema to use (created when missing).
    :param clock: where "now" comes from (tests).
    :param create: False for a command that only reads: a SQLite file that does not
        exist is a :class:`StateError` naming its path, and neither it nor its folder
        is created.
    """
    url = resolve_url(url_or_path, create=create)
    engine = create_state_engine(url, schema=schema)
    try:
        upgrade(engine, schema=schema)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise StateError(
            f"cannot open the state store: {exc.__class__.__name__}: {exc.orig or exc}"
            if isinstance(exc, sa.exc.DBAPIError)
            else f"cannot open the state store: {exc}",
            state=url.render_as_string(hide_password=True),
        ) from exc
    return StateStore(engine, clock=clock)
