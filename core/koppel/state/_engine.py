"""Where the state lives: resolve a path or URL and build a tuned SQLAlchemy engine."""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import platformdirs
import sqlalchemy as sa
from sqlalchemy import event, pool
from sqlalchemy.engine import Engine

from koppel.errors import ConfigurationError, StateError

__all__ = ["BEGIN_OPTION", "create_state_engine", "default_state_path", "resolve_url"]

#: Execution option naming the SQLite ``BEGIN`` variant; writes use "IMMEDIATE".
BEGIN_OPTION = "koppel_sqlite_begin"

#: Environment variable naming the state store when neither flow nor CLI does.
STATE_ENV = "KOPPEL_STATE"


def default_state_path() -> Path:
    """The embedded default: ``state.sqlite3`` in the user's data directory."""
    return Path(platformdirs.user_data_dir("koppel")) / "state.sqlite3"


def resolve_url(url_or_path: str | os.PathLike[str] | None, *, create: bool = True) -> sa.URL:
    """An SQLAlchemy URL for a path, ``:memory:``, a SQLite URL or a PostgreSQL URL.

    None means ``$KOPPEL_STATE`` or else :func:`default_state_path`. Plain
    ``postgresql://`` and ``postgres://`` URLs use the psycopg 3 driver. A new SQLite
    file is created readable by its owner only; with ``create`` False a missing
    SQLite file (or its folder) is an error naming the path, and nothing is created.

    :raises StateError: when ``create`` is False and the SQLite file does not exist.
    :raises ConfigurationError: for a URL that is not SQLite or PostgreSQL.
    """
    if url_or_path is None:
        url_or_path = os.environ.get(STATE_ENV) or default_state_path()
    text = os.fspath(url_or_path)
    if text == ":memory:":
        return sa.make_url("sqlite://")
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        if not create:
            _must_exist(path)
            return sa.URL.create("sqlite", database=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # owner-only: the store holds personal data and tokens
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return sa.URL.create("sqlite", database=str(path))
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError as exc:
        raise ConfigurationError(f"not a valid state store URL: {exc}", state=text) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            "the state store runs on SQLite or PostgreSQL only",
            state=url.render_as_string(hide_password=True),
        )
    if (
        not create
        and url.get_backend_name() == "sqlite"
        and url.database not in (None, "", ":memory:")
    ):
        _must_exist(Path(url.database).expanduser().resolve())
    return url


def _must_exist(path: Path) -> None:
    if not path.is_file():
        raise StateError(
            f"no state store at {path} (nothing has run with it yet; "
            "--state or $KOPPEL_STATE name another)"
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


#: :func:`json.dumps` with :func:`dumps`'s options, built once (not on every call).
_encode = json.JSONEncoder(default=_json_default, ensure_ascii=False, allow_nan=False).encode


class JSONText(str):
    """JSON made already, which :func:`dumps` stores as it is: only for text made by
    :mod:`koppel.engine._hash` (no NaN or infinity) that holds no ``\\u0000``
    (:func:`storable`)."""


def storable(text: str) -> bool:
    """True when JSON ``text`` made by :mod:`koppel.engine._hash` (which writes no NaN
    or infinity) can be stored as it is: PostgreSQL's JSONB refuses ``\\u0000``."""
    return "\\u0000" not in text


def dumps(value: Any) -> str:
    """JSON for the store: Decimal, UUID and dates as strings; :class:`JSONText` as it is.

    What PostgreSQL's JSONB cannot hold is kept readable instead of failing the
    write: NaN and infinities (a source's ``1e999``) as text, a NUL character in a
    string as U+FFFD.
    """
    if type(value) is JSONText:
        return str(value)
    try:
        text = _encode(value)
    except ValueError:
        text = ""
    if not text or "\\u0000" in text:
        text = _encode(_storable(value))
    return text


def _storable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, Mapping):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def create_state_engine(url: sa.URL, *, schema: str | None = None) -> Engine:
    """An engine for ``url``; SQLite gets WAL, ``synchronous=NORMAL`` and a busy timeout.

    On SQLite the driver's own transaction handling is switched off and
    koppel emits ``BEGIN`` itself: ``BEGIN IMMEDIATE`` for writes (so two
    writers queue on the busy timeout instead of failing on a lock upgrade)
    and a plain ``BEGIN`` where the execution option :data:`BEGIN_OPTION` says
    ``DEFERRED``. ``schema`` (PostgreSQL) sets the search path.
    """
    kwargs: dict[str, Any] = {"json_serializer": dumps}
    if url.get_backend_name() == "sqlite":
        memory = url.database in (None, "", ":memory:")
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if memory:
            kwargs["poolclass"] = pool.StaticPool
        engine = sa.create_engine(url, **kwargs)
        _tune_sqlite(engine, memory=memory)
        return engine
    if schema is not None:
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    kwargs["pool_pre_ping"] = True
    try:
        return sa.create_engine(url, **kwargs)
    except ImportError as exc:  # the driver is an extra: koppel[postgres]
        raise ConfigurationError(
            f"a PostgreSQL state store needs its driver ({exc.name or exc}): "
            "pip install 'koppel[postgres]'",
            state=url.render_as_string(hide_password=True),
        ) from exc


def _tune_sqlite(engine: Engine, *, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")
