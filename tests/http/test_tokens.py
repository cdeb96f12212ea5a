"""Token stores: one refresh across threads and processes, crashes reported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from koppel.errors import AuthError, StateError
from koppel.http import (
    FileTokenStore,
    MemoryTokenStore,
    OAuthToken,
    TokenStore,
    dump_token,
    load_token,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def token(n: int) -> OAuthToken:
    return OAuthToken(f"access-{n}", f"refresh-{n}", NOW + timedelta(seconds=600))


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> TokenStore:
    if request.param == "memory":
        return MemoryTokenStore()
    return FileTokenStore(tmp_path / "tokens.json")


def test_tokens_naive_expiry_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        OAuthToken("a", "r", datetime(2024, 1, 1))


def test_tokens_dump_load_roundtrip() -> None:
    t = OAuthToken("a", None, NOW, scope="x y")
    assert load_token(dump_token(t)) == t


def test_tokens_repr_hides_secrets() -> None:
    assert "access-1" not in repr(token(1)) and "refresh-1" not in repr(token(1))


def test_tokens_expires_within() -> None:
    assert token(1).expires_within(700, now=NOW)
    assert not token(1).expires_within(60, now=NOW)


def test_tokens_store_satisfies_protocol(store: TokenStore) -> None:
    assert isinstance(store, TokenStore)
    assert store.load("c") is None
    store.save("c", token(1))
    assert store.load("c") == token(1)


def test_tokens_refresh_exchanges_and_stores(store: TokenStore) -> None:
    store.save("c", token(1))
    new = store.refresh("c", token(1), lambda old: token(int(old.access_token[-1]) + 1))
    assert new == token(2)
    assert store.load("c") == token(2)


def test_tokens_refresh_returns_newer_token_without_exchange(store: TokenStore) -> None:
    store.save("c", token(2))

    def exchange(old: OAuthToken) -> OAuthToken:
        raise AssertionError("must not spend the refresh token again")

    assert store.refresh("c", token(1), exchange) == token(2)


def test_tokens_refresh_without_token_says_run_auth(store: TokenStore) -> None:
    with pytest.raises(AuthError, match="koppel auth c"):
        store.refresh("c", None, lambda old: token(9))


def test_tokens_eight_threads_refresh_once(store: TokenStore) -> None:
    store.save("c", token(1))
    calls: list[str] = []
    barrier = threading.Barrier(8)
    results: list[OAuthToken] = []

    def exchange(old: OAuthToken) -> OAuthToken:
        calls.append(old.refresh_token or "")
        return token(2)

    def worker() -> None:
        seen = store.load("c")
        barrier.wait()
        results.append(store.refresh("c", seen, exchange))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["refresh-1"]
    assert results == [token(2)] * 8


def test_tokens_failed_exchange_clears_mark(store: TokenStore) -> None:
    store.save("c", token(1))

    def failing(old: OAuthToken) -> OAuthToken:
        raise AuthError("invalid_grant")

    with pytest.raises(AuthError, match="invalid_grant"):
        store.refresh("c", token(1), failing)
    assert store.refresh("c", token(1), lambda old: token(2)) == token(2)


class Crash(BaseException):
    """Stands for the process dying after the token endpoint answered."""


def test_tokens_crash_after_endpoint_answered_is_reported(store: TokenStore) -> None:
    store.save("c", token(1))

    def crashing(old: OAuthToken) -> OAuthToken:
        raise Crash

    with pytest.raises(Crash):
        store.refresh("c", token(1), crashing)
    with pytest.raises(AuthError, match=r"may be spent.*koppel auth c"):
        store.refresh("c", token(1), lambda old: token(2))
    store.save("c", token(5))  # what `koppel auth c` does
    assert store.refresh("c", token(5), lambda old: token(6)) == token(6)


def test_tokens_file_store_killed_process_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    FileTokenStore(path).save("c", token(1))
    script = textwrap.dedent(
        f"""
        import os
        from koppel.http import FileTokenStore
        def exchange(old):
            os._exit(3)  # killed after the endpoint answered, before storing
        FileTokenStore({str(path)!r}).refresh("c", FileTokenStore({str(path)!r}).load("c"),
                                              exchange)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], check=False)
    assert proc.returncode == 3
    store = FileTokenStore(path)
    assert store.load("c") == token(1)
    with pytest.raises(AuthError, match="may be spent"):
        store.refresh("c", token(1), lambda old: token(2))


def test_tokens_file_store_two_processes_refresh_once(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    log = tmp_path / "exchanges.log"
    FileTokenStore(path).save("c", token(1))
    script = textwrap.dedent(
        f"""
        import time
        from datetime import timedelta
        from koppel.http import FileTokenStore, OAuthToken
        import os, pathlib, uuid
        store = FileTokenStore({str(path)!r})
        seen = store.load("c")
        ready = pathlib.Path({str(tmp_path)!r}) / "ready"
        ready.mkdir(exist_ok=True)
        (ready / uuid.uuid4().hex).touch()
        while len(os.listdir(ready)) < 3:  # every process has seen the old token
            time.sleep(0.01)
        def exchange(old):
            with open({str(log)!r}, "a") as fh:
                fh.write(old.refresh_token + "\\n")
            time.sleep(0.2)
            return OAuthToken("access-2", "refresh-2", old.expires_at + timedelta(seconds=600))
        print(store.refresh("c", seen, exchange).access_token)
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=30)[0].strip() for p in procs]
    assert outs == ["access-2"] * 3
    assert log.read_text().splitlines() == ["refresh-1"]


def test_tokens_file_store_is_private(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    FileTokenStore(path).save("c", token(1))
    assert path.stat().st_mode & 0o077 == 0


def test_tokens_file_store_corrupt_file_is_state_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    with pytest.raises(StateError, match=r"not valid JSON.*tokens.json"):
        FileTokenStore(path).load("c")


def test_tokens_import_and_refresh_without_fcntl(tmp_path: Path) -> None:
    """Windows has no ``fcntl``: koppel.http and koppel.state import and lock without it."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["fcntl"] = None  # import fcntl now raises ImportError, as on Windows
        from datetime import UTC, datetime, timedelta
        import koppel.http, koppel.state
        from koppel.http import FileTokenStore, OAuthToken
        old = OAuthToken("a1", "r1", datetime.now(UTC) + timedelta(seconds=60))
        store = FileTokenStore({str(tmp_path / "tokens.json")!r})
        store.save("c", old)
        new = store.refresh("c", old, lambda t: OAuthToken("a2", "r2", t.expires_at))
        assert store.load("c") == new and sys.modules["fcntl"] is None
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
