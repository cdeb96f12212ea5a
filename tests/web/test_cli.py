"""``koppel users``, ``koppel tokens`` and ``koppel serve``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from koppel.cli import cli
from koppel.state import open_state
from koppel.web._accounts import audit_entries, find_token, list_users, verify_user

PASSWORD = "a long pass phrase"


@pytest.fixture
def state(tmp_path: Path) -> str:
    return str(tmp_path / "state.sqlite3")


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_cli_users_add_list_remove(state: str) -> None:
    code, out, _ = invoke(
        "users",
        "add",
        "anna",
        "--role",
        "operator",
        "--password-stdin",
        "--state",
        state,
        stdin=PASSWORD + "\n",
    )
    assert (code, out) == (0, "user anna (operator) added\n")
    code, out, _ = invoke("users", "list", "--state", state)
    assert code == 0 and "anna" in out and "operator" in out
    again = CliRunner().invoke(
        cli,
        ["users", "add", "anna", "--role", "read-only", "--password-stdin", "--state", state],
        input="other password\n",
    )
    assert again.exit_code != 0
    assert "user 'anna' exists already (--update" in str(again.exception)
    with open_state(state) as store:
        assert verify_user(store, "anna", PASSWORD) is not None
    code, out, _ = invoke("users", "remove", "anna", "--state", state)
    assert (code, out) == (0, "user anna removed\n")
    with open_state(state) as store:
        assert list_users(store) == []
        assert [e.action for e in audit_entries(store)] == ["user.remove", "user.add"]
        assert all(e.actor.startswith("cli") for e in audit_entries(store))


def test_cli_users_add_prompts_twice_for_the_password(state: str) -> None:
    code, out, _ = invoke(
        "users",
        "add",
        "rob",
        "--role",
        "read-only",
        "--state",
        state,
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert code == 0 and "user rob (read-only) added" in out
    with open_state(state) as store:
        assert verify_user(store, "rob", PASSWORD) is not None


def test_cli_tokens_create_prints_the_token_once_and_revoke_ends_it(state: str) -> None:
    code, out, err = invoke(
        "tokens", "create", "--name", "erp", "--role", "operator", "--state", state
    )
    assert code == 0
    token = out.strip()
    assert token.startswith("kpl_") and "not shown again" in err
    code, out, _ = invoke("tokens", "list", "--state", state)
    assert code == 0 and "erp" in out and token not in out
    with open_state(state) as store:
        found = find_token(store, token)
        assert found is not None
    code, out, _ = invoke("tokens", "revoke", str(found.id), "--state", state)
    assert (code, out) == (0, f"token {found.id} (erp) revoked\n")
    with open_state(state) as store:
        assert find_token(store, token) is None
    code, out, _ = invoke("tokens", "list", "--state", state)
    assert "no tokens" in out
    code, out, _ = invoke("tokens", "list", "--all", "--state", state)
    assert "erp" in out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_cli_serve_answers_on_loopback(state: str, tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from koppel.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--state",
            state,
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        login = None
        for _ in range(100):
            try:
                login = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert login is not None and login.status_code == 200, server.stderr
        assert "koppel_session" in login.headers["set-cookie"]
        assert "secure" not in login.headers["set-cookie"].lower()  # plain loopback
        api = httpx.get(f"http://127.0.0.1:{port}/api/flows", timeout=2)
        assert api.status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert server.stderr is not None
    assert f"koppel serve on http://127.0.0.1:{port}/" in server.stderr.read().decode()
