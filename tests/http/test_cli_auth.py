"""``koppel auth``: authorization URL, code exchange over loopback HTTP, token stored."""

from __future__ import annotations

import re
import socket
import threading
import time
import webbrowser
from collections.abc import Callable, Iterator
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
            "--no-listen",
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
    with open_state(str(tmp_path / "state.sqlite3")) as store:
        assert store.token_store().load("webshop") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _auth_args(server: SandboxServer, redirect: str, state: Path) -> list[str]:
    return [
        "auth",
        "shop",
        f"--authorize-url={server.url}/oauth2/authorize",
        f"--token-url={server.url}/oauth2/token",
        "--client-id=sandbox-client",
        f"--redirect-uri={redirect}",
        f"--state={state}",
        "--browser",
        "--timeout=20",
    ]


def _browser(
    monkeypatch: pytest.MonkeyPatch, tamper: Callable[[str], str] = lambda url: url
) -> list[httpx.Response]:
    """A browser that follows the opened URL through the provider to the redirect."""
    answers: list[httpx.Response] = []

    def visit(url: str) -> None:
        answers.append(httpx.get(tamper(url), follow_redirects=True, timeout=10))

    def open_url(url: str) -> bool:
        threading.Thread(target=visit, args=(url,), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)
    return answers


def _first_page(pages: list[httpx.Response]) -> httpx.Response:
    """The browser's first page, once its thread has read it (it may lag the CLI)."""
    deadline = time.monotonic() + 10
    while not pages and time.monotonic() < deadline:
        time.sleep(0.02)
    return pages[0]


def test_cli_auth_catches_the_redirect_on_loopback(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    pages = _browser(monkeypatch)
    state = tmp_path / "state.sqlite3"
    result = CliRunner().invoke(
        cli, _auth_args(server, redirect, state), env={"KOPPEL_CLIENT_SECRET": "sandbox-secret"}
    )
    assert result.exit_code == 0, result.output
    assert f"Waiting for the redirect to {redirect}" in result.output
    assert pages[0].status_code == 200 and "Access granted" in pages[0].text
    with open_state(str(state)) as store:
        token = store.token_store().load("shop")
    assert token is not None and token.access_token


def test_cli_auth_listener_refuses_a_redirect_of_another_state(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    pages = _browser(monkeypatch, tamper=lambda url: re.sub(r"state=[^&]+", "state=forged", url))
    state = tmp_path / "state.sqlite3"
    result = CliRunner().invoke(
        cli, _auth_args(server, redirect, state), env={"KOPPEL_CLIENT_SECRET": "sandbox-secret"}
    )
    assert result.exit_code != 0
    assert "state does not match" in str(result.exception)
    assert not state.exists()
    # The browser is not told that access was granted.
    page = _first_page(pages)
    assert page.status_code == 400
    assert "Access granted" not in page.text and "not granted" in page.text


def test_cli_auth_listener_names_a_refusal_by_the_provider(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redirect = f"http://127.0.0.1:{_free_port()}/callback"

    def denied(url: str) -> str:
        state = httpx.URL(url).params["state"]
        return f"{redirect}?error=access_denied&error_description=user+said+no&state={state}"

    pages = _browser(monkeypatch, tamper=denied)
    result = CliRunner().invoke(
        cli,
        _auth_args(server, redirect, tmp_path / "s.sqlite3"),
        env={"KOPPEL_CLIENT_SECRET": "sandbox-secret"},
    )
    assert "the provider refused the authorisation: user said no" in str(result.exception)
    assert "refused access" in _first_page(pages).text


def test_cli_auth_listener_gives_up_after_its_timeout(
    server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redirect = f"http://127.0.0.1:{_free_port()}/callback"
    monkeypatch.setattr(webbrowser, "open", lambda url: True)  # nobody grants access
    args = [*_auth_args(server, redirect, tmp_path / "s.sqlite3")[:-1], "--timeout=1"]
    result = CliRunner().invoke(cli, args, env={"KOPPEL_CLIENT_SECRET": "sandbox-secret"})
    assert f"no redirect reached {redirect} within 1 s" in str(result.exception)


def test_cli_auth_listener_names_a_port_in_use(server: SandboxServer, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        redirect = f"http://127.0.0.1:{taken.getsockname()[1]}/callback"
        result = CliRunner().invoke(
            cli,
            _auth_args(server, redirect, tmp_path / "s.sqlite3"),
            env={"KOPPEL_CLIENT_SECRET": "sandbox-secret"},
        )
    assert f"cannot listen on 127.0.0.1:{redirect.split(':')[2].split('/')[0]}" in str(
        result.exception
    )


@pytest.mark.parametrize(
    ("redirect", "expected"),
    [
        ("https://example.com/cb", "is not an http URL on 127.0.0.1"),
        ("http://127.0.0.1/cb", "names no port"),
    ],
)
def test_cli_auth_listen_refuses_a_redirect_it_cannot_catch(
    server: SandboxServer, tmp_path: Path, redirect: str, expected: str
) -> None:
    args = [*_auth_args(server, redirect, tmp_path / "s.sqlite3"), "--listen"]
    result = CliRunner().invoke(cli, args, env={"KOPPEL_CLIENT_SECRET": "sandbox-secret"})
    assert expected in str(result.exception)
