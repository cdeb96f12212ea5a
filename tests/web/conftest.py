"""Fixtures of the web tests: a state store, the app over it, a client, users, tokens."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from koppel.flows import Flow
from koppel.state import StateStore, open_state
from koppel.web import create_app
from koppel.web._accounts import add_user, create_token

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with open_state(tmp_path / "state.sqlite3") as opened:
        yield opened


@pytest.fixture
def flows() -> Mapping[str, Flow]:
    """The served flows (none; a test overrides this fixture)."""
    return {}


@pytest.fixture
def app(store: StateStore, flows: Mapping[str, Flow]) -> FastAPI:
    return create_app(store, flows=flows, cookie_secure=False, use_worker=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    """The header that sends ``token``."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def operator_token(store: StateStore) -> str:
    return create_token(store, "robot", "operator")[1]


@pytest.fixture
def reader_token(store: StateStore) -> str:
    return create_token(store, "viewer", "read-only")[1]


def form_csrf(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


@pytest.fixture
def signed_in(store: StateStore) -> Callable[[TestClient, str], str]:
    """Sign a new user with ``role`` in on ``client``; returns the session's CSRF token."""

    def sign_in(client: TestClient, role: str = "operator") -> str:
        name = "anna" if role == "operator" else "rob"
        add_user(store, name, PASSWORD, role, replace=True)
        csrf = form_csrf(client.get("/login").text)
        answer = client.post(
            "/login",
            data={"name": name, "password": PASSWORD, "csrf_token": csrf, "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return form_csrf(client.get("/login").text)

    return sign_in


PUSH_FLOW = """\
name = "erp-commitments"
source = "erp"
target = "register"
entity = "commitments"

[connections.erp]
system = "push"

[connections.register]
system = "register"
settings = { source_system = "erp" }
"""


@pytest.fixture
def push_system() -> None:
    """The built-in push system in the process-wide plugin manager (until its entry
    point is installed)."""
    from koppel.errors import PluginError
    from koppel.plugins import get_plugin_manager
    from koppel.push import connector

    manager = get_plugin_manager()
    try:
        manager.system("push")
    except PluginError:
        manager.register(connector, "push")


@pytest.fixture
def push_flow(tmp_path: Path, push_system: None) -> Flow:
    """A flow push -> the commitments register (both in the test's state store)."""
    from koppel.flows import load_flow

    path = tmp_path / "erp-commitments.toml"
    path.write_text(PUSH_FLOW, encoding="utf-8")
    return load_flow(path)
