"""OAuth tokens in the state store: encrypted at rest, refreshed once across workers."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import filelock
import sqlalchemy as sa
from cryptography.fernet import InvalidToken, MultiFernet

from koppel.errors import AuthError, StateError
from koppel.http import LockedTokenStore, OAuthToken, dump_token, load_token
from koppel.state._base import utcnow
from koppel.state._schema import tokens
from koppel.state._secrets import SECRET_KEY_ENV, secret_cipher

__all__ = ["SqlTokenStore"]

#: First half of the PostgreSQL advisory lock key of token refreshes ("tokn").
_LOCK_CLASS = 0x746F6B6E


def _lock_id(key: str) -> int:
    """A stable signed 32-bit number for ``key``."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), signed=True)


class SqlTokenStore(LockedTokenStore):
    """A :class:`koppel.http.TokenStore` on the state store's ``koppel_tokens`` table.

    Tokens are encrypted with Fernet (:func:`~koppel.state._secrets.secret_cipher`).
    ``refresh`` holds a lock per key for the whole refresh: a session advisory
    lock on PostgreSQL (released by the server if the process dies), an OS
    file lock (``filelock``) on ``lock_path`` for a SQLite file (released by
    the OS if the process dies), plus a thread lock per key. The
    "refresh in progress" mark is committed before the token endpoint is
    called, so a crash in between is found and reported as :class:`AuthError`.
    """

    def __init__(
        self,
        engine: sa.Engine,
        *,
        lock_path: Path | None = None,
        cipher: Callable[[], MultiFernet] = secret_cipher,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        # One lock file for every key; each thread holds it through its own descriptor,
        # so threads refreshing different keys wait for each other like processes do.
        self._file_lock = filelock.FileLock(lock_path, mode=0o600) if lock_path else None
        self._cipher_factory = cipher
        self._cipher: MultiFernet | None = None
        self._clock = clock
        self._guard = threading.Lock()
        self._mutexes: dict[str, threading.Lock] = {}

    def load(self, key: str) -> OAuthToken | None:
        """The stored token, or None (one atomic read: no lock needed)."""
        return self._read(key)[0]

    def delete(self, key: str) -> None:
        """Forget the token of ``key``."""
        with self._lock(key), self._engine.begin() as conn:
            conn.execute(tokens.delete().where(tokens.c.key == key))

    def _cipher_now(self) -> MultiFernet:
        if self._cipher is None:
            self._cipher = self._cipher_factory()
        return self._cipher

    def _read(self, key: str) -> tuple[OAuthToken | None, bool]:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(tokens.c.secret, tokens.c.refreshing).where(tokens.c.key == key)
            ).first()
        if row is None:
            return None, False
        secret, refreshing = row
        if secret is None:
            return None, bool(refreshing)
        try:
            plain = self._cipher_now().decrypt(secret.encode("ascii"))
        except InvalidToken:
            raise AuthError(
                f"the stored token cannot be decrypted with the current {SECRET_KEY_ENV}; "
                f"set the key it was stored with, or run `koppel auth {key}` again",
                connection=key,
            ) from None
        try:
            token = load_token(json.loads(plain))
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(f"stored token is malformed: {exc!r}", connection=key) from exc
        return token, bool(refreshing)

    def _write(self, key: str, token: OAuthToken | None, refreshing: bool) -> None:
        secret = None
        if token is not None:
            plain = json.dumps(dump_token(token)).encode("utf-8")
            secret = self._cipher_now().encrypt(plain).decode("ascii")
        values = {"secret": secret, "refreshing": refreshing, "updated_at": self._clock()}
        sqlite = self._engine.dialect.name == "sqlite"
        with self._engine.connect() as conn:
            raw = conn.connection.driver_connection if sqlite else None
            if raw is not None:  # a rotated refresh token must survive a power cut too
                raw.execute("PRAGMA synchronous=FULL")
            try:
                with conn.begin():
                    updated = conn.execute(
                        tokens.update().where(tokens.c.key == key).values(**values)
                    )
                    if updated.rowcount == 0:
                        conn.execute(tokens.insert().values(key=key, **values))
            finally:
                if raw is not None:
                    raw.execute("PRAGMA synchronous=NORMAL")

    def _mutex(self, key: str) -> threading.Lock:
        with self._guard:
            return self._mutexes.setdefault(key, threading.Lock())

    @contextlib.contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        with self._mutex(key):
            if self._engine.dialect.name == "postgresql":
                with self._advisory_lock(key):
                    yield
            elif self._file_lock is not None:
                with self._file_lock:
                    yield
            else:
                yield

    @contextlib.contextmanager
    def _advisory_lock(self, key: str) -> Iterator[None]:
        conn = self._engine.connect()
        try:
            conn.execute(sa.select(sa.func.pg_advisory_lock(_LOCK_CLASS, _lock_id(key))))
            conn.commit()
            try:
                yield
            finally:
                try:
                    conn.execute(sa.select(sa.func.pg_advisory_unlock(_LOCK_CLASS, _lock_id(key))))
                    conn.commit()
                except sa.exc.DBAPIError:
                    conn.invalidate()  # closing the session releases the lock
        finally:
            conn.close()
