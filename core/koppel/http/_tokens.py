"""OAuth tokens and the stores that keep them, refreshing rotating tokens under a lock.

Rotating refresh tokens (Exact Online, Visma eAccounting) are single-use: the
token endpoint answers with a new refresh token and the old one is spent. A
:class:`TokenStore` makes sure that

- two threads or processes never spend the same refresh token: ``refresh``
  runs under an exclusive lock and first reloads the stored token; when it
  differs from the one the caller saw, another worker has refreshed already;
- a crash is never silent: before calling the token endpoint the store marks a
  refresh as in progress and clears the mark only after the new token is
  stored. A mark found later means a refresh died half-way and the stored
  refresh token may be spent, which is reported as an :class:`AuthError`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs
import filelock

from koppel.errors import AuthError, StateError

__all__ = [
    "FileTokenStore",
    "LockedTokenStore",
    "MemoryTokenStore",
    "OAuthToken",
    "TokenStore",
    "dump_token",
    "load_token",
]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("OAuthToken.expires_at must be timezone-aware")
    return value


@attrs.frozen
class OAuthToken:
    """An access token with its refresh token and the moment it expires (tz-aware)."""

    access_token: str = attrs.field(repr=False)
    refresh_token: str | None = attrs.field(repr=False)
    expires_at: datetime = attrs.field(converter=_aware)
    scope: str | None = None

    def expires_within(self, seconds: float, *, now: datetime | None = None) -> bool:
        """True when the access token expires in less than ``seconds`` from ``now``."""
        moment = now or datetime.now(UTC)
        return self.expires_at - moment < timedelta(seconds=seconds)


def dump_token(token: OAuthToken) -> dict[str, Any]:
    """A JSON-ready dict of ``token`` (the inverse of :func:`load_token`)."""
    return {
        "access_token": token.access_token,
        "refresh_token": token.refresh_token,
        "expires_at": token.expires_at.isoformat(),
        "scope": token.scope,
    }


def load_token(data: dict[str, Any]) -> OAuthToken:
    """Build an :class:`OAuthToken` from :func:`dump_token`'s dict."""
    return OAuthToken(
        access_token=data["access_token"],
        refresh_token=data.get("refresh_token"),
        expires_at=datetime.fromisoformat(data["expires_at"]),
        scope=data.get("scope"),
    )


@runtime_checkable
class TokenStore(Protocol):
    """Where a connection's OAuth token lives; ``key`` is usually the connection name."""

    def load(self, key: str) -> OAuthToken | None:
        """The stored token, or None when there is none."""
        ...

    def save(self, key: str, token: OAuthToken) -> None:
        """Store ``token`` (from ``koppel auth``), replacing any token and refresh mark."""
        ...

    def refresh(
        self, key: str, seen: OAuthToken | None, exchange: Callable[[OAuthToken], OAuthToken]
    ) -> OAuthToken:
        """Refresh the token once across all threads and processes; return the current one.

        Under an exclusive lock: reload the stored token; if it differs from
        ``seen``, another worker already refreshed, so return the stored one.
        Otherwise mark a refresh as in progress, call ``exchange(current)``
        (which calls the token endpoint), store the result, clear the mark and
        return it. A mark left by a refresh that crashed half-way raises
        :class:`AuthError`: the refresh token may be spent, run ``koppel auth``.
        """
        ...


def _no_token(key: str) -> AuthError:
    return AuthError(f"no OAuth token stored; run `koppel auth {key}` to authorise", connection=key)


def _crashed(key: str) -> AuthError:
    return AuthError(
        "a previous token refresh was interrupted after the token endpoint may have "
        f"answered; the stored refresh token may be spent. Run `koppel auth {key}` again",
        connection=key,
    )


class LockedTokenStore:
    """The refresh algorithm of every :class:`TokenStore`; subclasses give lock and storage.

    A subclass implements ``_lock(key)`` (exclusive across the threads and
    processes that share the store), ``_read(key)`` and ``_write(key, token,
    refreshing=...)``; ``refresh`` then refreshes once, marks a refresh in
    progress before the token endpoint is called, and reports a crash in
    between as :class:`~koppel.errors.AuthError`.
    """

    def _lock(self, key: str) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def _read(self, key: str) -> tuple[OAuthToken | None, bool]:
        """The stored token and whether a refresh mark is set."""
        raise NotImplementedError

    def _write(self, key: str, token: OAuthToken | None, refreshing: bool) -> None:
        raise NotImplementedError

    def load(self, key: str) -> OAuthToken | None:
        """The stored token, or None."""
        with self._lock(key):
            return self._read(key)[0]

    def save(self, key: str, token: OAuthToken) -> None:
        """Store ``token`` (from ``koppel auth``), replacing any token and refresh mark."""
        with self._lock(key):
            self._write(key, token, refreshing=False)

    def refresh(
        self, key: str, seen: OAuthToken | None, exchange: Callable[[OAuthToken], OAuthToken]
    ) -> OAuthToken:
        """Refresh once across threads and processes; see :class:`TokenStore`."""
        with self._lock(key):
            current, refreshing = self._read(key)
            if refreshing:
                raise _crashed(key)
            if current is None:
                raise _no_token(key)
            if current != seen:
                return current
            self._write(key, current, refreshing=True)
            try:
                new = exchange(current)
            except Exception:
                # The endpoint refused or could not be reached: the caller gets the
                # error; trying the same refresh token again later is safe (a spent
                # one is refused with invalid_grant, a clear AuthError).
                self._write(key, current, refreshing=False)
                raise
            # A BaseException (process killed, KeyboardInterrupt) leaves the mark.
            self._write(key, new, refreshing=False)
            return new


class MemoryTokenStore(LockedTokenStore):
    """Tokens in a dict, guarded by a threading lock: for tests and single-process runs."""

    def __init__(self, tokens: dict[str, OAuthToken] | None = None) -> None:
        self._tokens: dict[str, OAuthToken] = dict(tokens or {})
        self._refreshing: set[str] = set()
        self._mutex = threading.RLock()

    @contextlib.contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        with self._mutex:
            yield

    def _read(self, key: str) -> tuple[OAuthToken | None, bool]:
        return self._tokens.get(key), key in self._refreshing

    def _write(self, key: str, token: OAuthToken | None, refreshing: bool) -> None:
        if token is None:
            self._tokens.pop(key, None)
        else:
            self._tokens[key] = token
        if refreshing:
            self._refreshing.add(key)
        else:
            self._refreshing.discard(key)


class FileTokenStore(LockedTokenStore):
    """Tokens in a JSON file (mode 0600) under an OS file lock: safe across processes.

    The lock file beside it is held with ``filelock`` (``flock`` on Unix,
    ``msvcrt`` on Windows), which the OS drops when its holder dies. Writes
    replace the file atomically (write a temporary file, fsync, rename), so a
    crash leaves either the old or the new content, never half of it.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._file_lock = filelock.FileLock(
            self.path.with_name(self.path.name + ".lock"), mode=0o600
        )
        self._mutex = threading.RLock()

    @contextlib.contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        # The thread lock keeps other threads out; the file lock, re-entrant for the
        # thread that holds it, keeps other processes out.
        with self._mutex:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._file_lock:
                yield

    def _all(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StateError(f"token file is not valid JSON: {exc}", path=str(self.path)) from exc
        if not isinstance(data, dict):
            raise StateError("token file must hold a JSON object", path=str(self.path))
        return data

    def _read(self, key: str) -> tuple[OAuthToken | None, bool]:
        entry = self._all().get(key)
        if entry is None:
            return None, False
        try:
            token = load_token(entry["token"]) if entry.get("token") else None
        except (KeyError, TypeError, ValueError) as exc:
            raise StateError(
                f"token entry is malformed: {exc!r}", path=str(self.path), connection=key
            ) from exc
        return token, bool(entry.get("refreshing"))

    def _write(self, key: str, token: OAuthToken | None, refreshing: bool) -> None:
        data = self._all()
        data[key] = {
            "token": dump_token(token) if token is not None else None,
            "refreshing": refreshing,
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
