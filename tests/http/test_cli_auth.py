"""``koppel auth``: authorization URL, code exchange over loopback HTTP, token stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from koppel.cli import cli
from koppel.sandbox import OAuthEmulator, Sandbox, SandboxServer
from koppel.state import open_state


@pytest.fixture(autouse=True)
def _secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())


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
    state = tmp_path / "state.sqlite3"
    result = CliRunner().invoke(
        cli,
        [
            "auth",
            "shop",
            f"--authorize-url={server.url}/oauth2/authorize",
            f"--token-url={server.url}/oauth2/token",
            "--client-id=sandbox-client",
            "--redirect-uri=http://127.0.0.1:1/cb",
            f"--state={state}",
        ],
        input=f"http://127.0.0.1:1/cb?code={code}\n",
        env={"KOPPEL_CLIENT_SECRET": "sandbox-secret"},
    )
    assert result.exit_code == 0, result.output
    assert f"{server.url}/oauth2/authorize?response_type=code" in result.output
    with open_state(str(state)) as store:
        token = store.token_store().load("shop")
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
            f"--state={tmp_path / 'state.sqlite3'}",
        ],
    )
    assert "authorization code unknown or used" in str(result.exception)
    assert not (tmp_path / "state.sqlite3").exists()


def test_hook_oauth_config_gives_the_endpoints_for_koppel_auth(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koppel import hookimpl, plugins
    from koppel.http import OAuth2Config
    from koppel.system import EntityInfo, SystemInfo

    class Shop:
        @hookimpl
        def koppel_system(self) -> SystemInfo:
            return SystemInfo(name="shop", title="Shop", entities=(EntityInfo(name="orders"),))

        @hookimpl
        def oauth_config(self, connection: object) -> OAuth2Config:
            return OAuth2Config(
                authorize_url=f"{server.url}/oauth2/authorize",
                token_url=f"{server.url}/oauth2/token",
                client_id="sandbox-client",
                redirect_uri="http://127.0.0.1:1/cb",
            )

    manager = plugins.KoppelPluginManager()
    manager.register(Shop(), "shop")
    monkeypatch.setattr(plugins, "get_plugin_manager", lambda: manager)
    flow = tmp_path / "flow.toml"
    flow.write_text(
        'source = "webshop"\ntarget = "other"\nentity = "orders"\n'
        f'state = "{tmp_path / "state.sqlite3"}"\n'
        '[connections.webshop]\nsystem = "shop"\n'
        'credentials = { client_secret = "env:SHOP_SECRET" }\n'
        '[connections.other]\nsystem = "shop"\n'
    )
    code = httpx.URL(
        httpx.get(
            f"{server.url}/oauth2/authorize",
            params={"client_id": "sandbox-client", "redirect_uri": "http://127.0.0.1:1/cb"},
        ).headers["location"]
    ).params["code"]
    result = CliRunner().invoke(
        cli,
        ["auth", "webshop", f"--flow={flow}", f"--code={code}"],
        env={"SHOP_SECRET": "sandbox-secret"},
    )
    assert result.exit_code == 0, result.output
    assert "client_id=sandbox-client" in result.output
    with open_state(str(tmp_path / "state.sqlite3")) as store:
        assert store.token_store().load("webshop") is not None
