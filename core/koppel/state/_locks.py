"""Locks a run holds while it writes: one run of a flow at a time, across processes.

PostgreSQL: session-level advisory locks on a connection held for the run, per
schema.
SQLite file: OS file locks (``filelock``) in a folder beside the database,
``state.sqlite3.locks/``. In-memory
SQLite: a lock in this process. Every kind is released when its holder
ends, also when it is killed: the server ends a dead client's session, the
OS drops a dead process's file locks. Nobody ever has to remove a lock by hand.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import filelock
import sqlalchemy as sa

__all__ = ["HeldLocks", "acquire_locks", "lock_folder"]

#: In-memory stores: one process, so a lock per key in this process.
_LOCAL: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


class HeldLocks(Protocol):
    """Locks one holder took; :meth:`release` gives them back (idempotent)."""

    def release(self) -> None: ...


def lock_folder(database: Path) -> Path:
    """Where the run locks of the SQLite file ``database`` live: ``<file>.locks/``."""
    return database.with_name(database.name + ".locks")


def lock_number(key: str) -> int:
    """A signed 64-bit number for ``key``: PostgreSQL's advisory lock id."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def acquire_locks(engine: sa.Engine, keys: Sequence[str]) -> HeldLocks | None:
    """Take every lock in ``keys`` without waiting; None when any is held elsewhere."""
    if engine.dialect.name == "postgresql":
        return _AdvisoryLocks.take(engine, keys)
    database = engine.url.database
    if database in (None, "", ":memory:"):
        return _LocalLocks.take([f"{id(engine)}:{key}" for key in keys])
    return _FileLocks.take(Path(database), keys)


class _AdvisoryLocks:
    def __init__(self, connection: sa.Connection, numbers: list[int]) -> None:
        self.connection = connection
        self.numbers = numbers

    @classmethod
    def take(cls, engine: sa.Engine, keys: Sequence[str]) -> _AdvisoryLocks | None:
        connection = engine.connect()
        held = cls(connection, [])
        try:
            # Advisory locks span the database: stores in other schemas keep apart.
            schema = connection.execute(sa.select(sa.func.current_schema())).scalar_one()
            for number in sorted({lock_number(f"{schema}:{key}") for key in keys}):
                got = connection.execute(sa.select(sa.func.pg_try_advisory_lock(number)))
                connection.commit()
                if not got.scalar_one():
                    held.release()
                    return None
                held.numbers.append(number)
        except BaseException:
            held.release()
            raise
        return held

    def release(self) -> None:
        if self.connection.closed:
            return
        try:
            for number in self.numbers:
                self.connection.execute(sa.select(sa.func.pg_advisory_unlock(number)))
            self.connection.commit()
        finally:
            self.connection.close()


class _Releasing:
    """Locks that each have ``release()``; released newest first."""

    def __init__(self) -> None:
        self.locks: list[Any] = []

    def release(self) -> None:
        while self.locks:
            self.locks.pop().release()


class _FileLocks(_Releasing):
    @classmethod
    def take(cls, database: Path, keys: Sequence[str]) -> _FileLocks | None:
        held = cls()
        folder = lock_folder(database)
        folder.mkdir(exist_ok=True)
        for key in sorted(set(keys)):
            digest = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
            lock = filelock.FileLock(str(folder / f"{digest}.lock"), thread_local=False)
            try:
                lock.acquire(timeout=0)
            except filelock.Timeout:
                held.release()
                return None
            held.locks.append(lock)
        return held


class _LocalLocks(_Releasing):
    @classmethod
    def take(cls, keys: Sequence[str]) -> _LocalLocks | None:
        held = cls()
        for key in sorted(set(keys)):
            with _LOCAL_GUARD:
                lock = _LOCAL.setdefault(key, threading.Lock())
            if not lock.acquire(blocking=False):
                held.release()
                return None
            held.locks.append(lock)
        return held
