"""``koppel auth``: authorization URL, code exchange over loopback HTTP, token stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from koppel.cli import cli
from koppel.http import FileTokenStore
from koppel.sandbox import OAuthEmulator, Sandbox, SandboxServer


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    box = Sandbox("exact", oauth=OAuthEmulator())
    with box.serve() as served:
        yield served


def test_cli_auth_exchanges_code_and_stores_token(server: SandboxServer, tmp_path: Path) -> None:
    # what the operator's browser does: follow the printed URL to the redirect
    answer = httpx.get(
        f"{server.url}/oauth2/authorize",
        params={"client_id": "sandbox-client", "redirect_uri": "http://127.0.0.1:1/cb"},
    )
    code = httpx.URL(answer.headers["location"]).params["code"]
    tokens = tmp_path / "tokens.json"
    result = CliRunner().invoke(
        cli,
        [
            "auth",
            "shop",
            f"--authorize-url={server.url}/oauth2/authorize",
            f"--token-url={server.url}/oauth2/token",
            "--client-id=sandbox-client",
            "--redirect-uri=http://127.0.0.1:1/cb",
            f"--tokens={tokens}",
        ],
        input=f"http://127.0.0.1:1/cb?code={code}\n",
        env={"KOPPEL_CLIENT_SECRET": "sandbox-secret"},
    )
    assert result.exit_code == 0, result.output
    assert f"{server.url}/oauth2/authorize?response_type=code" in result.output
    token = FileTokenStore(tokens).load("shop")
    assert token is not None and token.refresh_token
    assert token.access_token not in result.output


def test_cli_auth_missing_settings_named() -> None:
    result = CliRunner().invoke(cli, ["auth", "shop", "--client-id=x"])
    assert result.exit_code != 0
    assert "--authorize-url, --token-url" in str(result.exception)


def test_cli_auth_refused_code_is_auth_error(server: SandboxServer, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "auth",
            "shop",
            f"--authorize-url={server.url}/oauth2/authorize",
            f"--token-url={server.url}/oauth2/token",
            "--client-id=sandbox-client",
            "--client-secret=sandbox-secret",
            "--code=made-up",
            f"--tokens={tmp_path / 't.json'}",
        ],
    )
    assert "authorization code unknown or used" in str(result.exception)
    assert not (tmp_path / "t.json").exists()
