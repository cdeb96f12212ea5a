"""Single-use refresh tokens: the sandbox refuses a spent one as Exact does; the plugin never
sends one, not even with two processes sharing one connection's token store."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from koppel.errors import AuthError
from koppel.http import FakeClock, FileTokenStore
from koppel_exact_online.plugin import connector
from koppel_exact_online.resources import Customers
from koppel_exact_online.sandbox import DIVISION, ExactSandbox, make_sandbox

SECRETS = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}


def _refresh(client: httpx.Client, token: str) -> httpx.Response:
    return client.post(
        "https://start.exactonline.nl/api/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": token, **SECRETS},
    )


def test_sandbox_refuses_a_spent_refresh_token_like_exact(sandbox: ExactSandbox) -> None:
    assert sandbox.oauth is not None
    granted = sandbox.oauth.grant()
    with httpx.Client(transport=sandbox.transport()) as client:
        first = _refresh(client, str(granted.refresh_token))
        again = _refresh(client, str(granted.refresh_token))
    assert first.status_code == 200
    body = first.json()
    assert body["expires_in"] == "600"  # Exact sends the lifetime as text
    assert body["refresh_token"] != granted.refresh_token
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"
    assert "Old refresh token used" in again.json()["error_description"]


def test_spent_refresh_token_in_the_store_is_a_clear_auth_error(
    sandbox: ExactSandbox, clock: FakeClock, connect: Any
) -> None:
    connection, _ = connect(sandbox, clock)
    customers = Customers(connector.session(connection))
    assert sandbox.oauth is not None and connection.token_store is not None
    stored = connection.token_store.load("exact")
    with httpx.Client(transport=sandbox.transport()) as raw:
        assert _refresh(raw, stored.refresh_token).status_code == 200  # spent elsewhere
    clock.advance(600)  # the access token has expired: the plugin must refresh
    with pytest.raises(AuthError, match="koppel auth exact"):
        list(customers.fetch(None, {}))


def test_refreshes_only_near_expiry_or_after_a_401(
    sandbox: ExactSandbox, clock: FakeClock, connect: Any
) -> None:
    connection, _ = connect(sandbox, clock)
    customers = Customers(connector.session(connection))
    assert sandbox.oauth is not None
    for _ in range(9):  # nine minutes of calls on a ten-minute token: no refresh
        list(customers.fetch("99999999", {}))
        clock.advance(60)
    assert sandbox.oauth.refreshes == 0
    clock.advance(45)  # now within the last 30 seconds
    list(customers.fetch("99999999", {}))
    assert sandbox.oauth.refreshes == 1
    sandbox.oauth.expire_access_tokens()  # Exact revoked it early: one refresh, one retry
    list(customers.fetch("99999999", {}))
    assert sandbox.oauth.refreshes == 2
    assert sandbox.oauth.refused == 0


_WORKER = textwrap.dedent(
    """
    import sys, time
    from koppel.http import FileTokenStore
    from koppel.sync import Connection
    from koppel_exact_online.plugin import connector

    url, path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    connection = Connection(
        name="exact",
        system="exact-online",
        settings={"base_url": url, "division": int(sys.argv[4])},
        secrets={"client_id": "sandbox-client", "client_secret": "sandbox-secret"},
        token_store=FileTokenStore(path),
    )
    for _ in range(rounds):  # one call a round: stock reads one feed
        list(connector.fetch_records(connection, "stock", "99999999", {}))
        time.sleep(0.1)
    connection.close()
    """
)


def test_two_processes_sharing_one_connection_never_reuse_a_refresh_token(
    tmp_path: Path,
) -> None:
    sandbox = make_sandbox(seed=5)
    sandbox.rate_limit = None  # this test is about tokens; 401s would spend the minute's budget
    assert sandbox.oauth is not None
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save("exact", sandbox.oauth.grant())
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    with sandbox.serve() as server:
        workers = [
            subprocess.Popen(
                [sys.executable, str(script), server.url, str(store.path), "25", str(DIVISION)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for _ in range(2)
        ]
        expired = 0
        while any(w.poll() is None for w in workers):
            # Far apart enough that a worker's retry right after its refresh is
            # not hit by the next expiry: that would be a second 401 by design.
            time.sleep(0.5)
            sandbox.oauth.expire_access_tokens()  # both workers get a 401 and refresh
            expired += 1
        errors = [w.stderr.read().decode() if w.stderr else "" for w in workers]
    assert [w.returncode for w in workers] == [0, 0], errors
    assert sandbox.oauth.refused == 0, "a worker sent a spent refresh token"
    # Every expiry while both ran cost one refresh in all, not one per worker.
    assert 2 <= sandbox.oauth.refreshes <= expired
    final = store.load("exact")
    assert final is not None and final.refresh_token not in sandbox.oauth.spent
