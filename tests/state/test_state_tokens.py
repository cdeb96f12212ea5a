"""Tokens in the state store: encrypted at rest, one refresh across workers, crashes reported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from koppel.errors import AuthError, ConfigurationError
from koppel.http import OAuthToken, TokenStore
from koppel.state import StateStore, secret_cipher
from koppel.state._schema import tokens

from .conftest import Workers

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def token(n: int) -> OAuthToken:
    return OAuthToken(f"access-{n}", f"refresh-{n}", NOW + timedelta(seconds=600), scope="api")


class Interrupted(BaseException):
    """Stands in for the process dying inside the exchange."""


def test_state_tokens_follow_protocol(store: StateStore) -> None:
    assert isinstance(store.token_store(), TokenStore)
    assert store.token_store() is store.token_store()


def test_state_tokens_roundtrip(store: StateStore) -> None:
    tokens_ = store.token_store()
    assert tokens_.load("exact") is None
    tokens_.save("exact", token(1))
    tokens_.save("exact", token(2))
    assert tokens_.load("exact") == token(2)
    assert tokens_.load("visma") is None
    tokens_.delete("exact")
    assert tokens_.load("exact") is None


def test_state_tokens_encrypted_at_rest(store: StateStore) -> None:
    store.token_store().save("exact", token(1))
    with store.engine.connect() as conn:
        [secret] = conn.execute(sa.select(tokens.c.secret)).scalars()
    assert "access-1" not in secret and "refresh-1" not in secret
    assert b"refresh-1" in secret_cipher().decrypt(secret.encode())


def test_state_tokens_wrong_key_is_auth_error(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.token_store().save("exact", token(1))
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    with store.__class__(store.engine) as other, pytest.raises(AuthError, match="decrypted"):
        other.token_store().load("exact")


def test_state_tokens_key_rotation(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    old = Fernet.generate_key().decode()
    monkeypatch.setenv("KOPPEL_SECRET_KEY", old)
    store.token_store().save("exact", token(1))
    monkeypatch.setenv("KOPPEL_SECRET_KEY", f"{Fernet.generate_key().decode()},{old}")
    rotated = store.__class__(store.engine).token_store()
    assert rotated.load("exact") == token(1)


def test_state_tokens_without_key_explain(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KOPPEL_SECRET_KEY")
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed
    with pytest.raises(ConfigurationError, match=r"KOPPEL_SECRET_KEY.*generate_key"):
        store.token_store().save("exact", token(1))


def test_state_tokens_bad_key_explain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", "not-a-key")
    with pytest.raises(ConfigurationError, match="KOPPEL_SECRET_KEY is not a Fernet key"):
        secret_cipher()


def test_state_tokens_refresh_exchanges_once(store: StateStore) -> None:
    tokens_ = store.token_store()
    tokens_.save("exact", token(1))
    calls: list[OAuthToken] = []

    def exchange(current: OAuthToken) -> OAuthToken:
        calls.append(current)
        return token(2)

    assert tokens_.refresh("exact", token(1), exchange) == token(2)
    # A caller that still holds the old token gets the new one without a second exchange.
    assert tokens_.refresh("exact", token(1), exchange) == token(2)
    assert calls == [token(1)]
    assert tokens_.load("exact") == token(2)


def test_state_tokens_refresh_without_token(store: StateStore) -> None:
    with pytest.raises(AuthError, match="koppel auth exact"):
        store.token_store().refresh("exact", None, lambda t: t)


def test_state_tokens_failed_exchange_clears_mark(store: StateStore) -> None:
    tokens_ = store.token_store()
    tokens_.save("exact", token(1))

    def refused(current: OAuthToken) -> OAuthToken:
        raise AuthError("invalid_grant")

    with pytest.raises(AuthError, match="invalid_grant"):
        tokens_.refresh("exact", token(1), refused)
    assert tokens_.refresh("exact", token(1), lambda t: token(2)) == token(2)


def test_state_tokens_interrupted_refresh_reported(store: StateStore) -> None:
    tokens_ = store.token_store()
    tokens_.save("exact", token(1))

    def dies(current: OAuthToken) -> OAuthToken:
        raise Interrupted

    with pytest.raises(Interrupted):
        tokens_.refresh("exact", token(1), dies)
    with pytest.raises(AuthError, match=r"interrupted.*koppel auth exact"):
        tokens_.refresh("exact", token(1), lambda t: token(2))
    tokens_.save("exact", token(5))  # `koppel auth` clears the mark
    assert tokens_.refresh("exact", token(5), lambda t: token(6)) == token(6)


def test_state_tokens_threads_exchange_once(store: StateStore) -> None:
    tokens_ = store.token_store()
    tokens_.save("exact", token(1))
    calls: list[int] = []
    results: list[OAuthToken] = []
    barrier = threading.Barrier(6)

    def exchange(current: OAuthToken) -> OAuthToken:
        calls.append(1)
        time.sleep(0.05)
        return token(2)

    def worker() -> None:
        seen = tokens_.load("exact")
        barrier.wait()
        results.append(tokens_.refresh("exact", seen, exchange))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert results == [token(2)] * 6


def test_state_tokens_processes_exchange_once(
    store: StateStore, workers: Workers, tmp_path: Path
) -> None:
    store.token_store().save("exact", token(1))
    log = tmp_path / "exchanges.log"
    results = workers.run("refresh", *[{"log": str(log)}] * 3)
    lines = log.read_text().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith(" refresh-1")
    winner = f"refresh-{lines[0].split()[0]}"
    assert results == [winner] * 3
    loaded = store.token_store().load("exact")
    assert loaded is not None and loaded.refresh_token == winner


def test_state_tokens_killed_process_leaves_clear_error(
    store: StateStore, workers: Workers, tmp_path: Path
) -> None:
    store.token_store().save("exact", token(1))
    log = tmp_path / "exchanges.log"
    [result] = workers.run("refresh", {"log": str(log), "die": True})
    assert isinstance(result, tuple) and result[0] == 3
    with pytest.raises(AuthError, match="interrupted"):
        store.token_store().refresh("exact", token(1), lambda t: token(2))


def test_state_tokens_key_from_keyring(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    saved: dict[tuple[str, str], str] = {}
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: saved.get((service, user))  # type: ignore[attr-defined]
    fake.set_password = lambda service, user, value: saved.__setitem__((service, user), value)  # type: ignore[attr-defined]
    errors = types.ModuleType("keyring.errors")
    errors.KeyringError = type("KeyringError", (Exception,), {})  # type: ignore[attr-defined]
    fake.errors = errors  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    monkeypatch.delenv("KOPPEL_SECRET_KEY")
    store.token_store().save("exact", token(1))
    assert list(saved) == [("koppel", "state-secret-key")]
    reopened = store.__class__(store.engine).token_store()  # reads the same key back
    assert reopened.load("exact") == token(1)


def test_state_tokens_refresh_without_fcntl(tmp_path: Path) -> None:
    """Windows has no ``fcntl``: the state store imports, locks and refreshes without it."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["fcntl"] = None  # import fcntl now raises ImportError, as on Windows
        from datetime import UTC, datetime, timedelta
        from koppel.http import OAuthToken
        from koppel.state import open_state
        old = OAuthToken("a1", "r1", datetime.now(UTC) + timedelta(seconds=60))
        with open_state({str(tmp_path / "state.sqlite3")!r}) as store:
            tokens = store.token_store()
            tokens.save("c", old)
            new = tokens.refresh("c", old, lambda t: OAuthToken("a2", "r2", t.expires_at))
            assert tokens.load("c") == new and sys.modules["fcntl"] is None
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
