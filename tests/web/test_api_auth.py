"""Every API endpoint refuses a missing, unknown or revoked token (401), and a read-only
token on an action (403)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from koppel.state import StateStore
from koppel.web import create_app
from koppel.web._accounts import create_token, revoke_token

from .conftest import bearer


def api_endpoints() -> list[tuple[str, str]]:
    """(method, path with parameters filled) of every endpoint the OpenAPI document
    lists, and of the document and its docs page."""
    document = create_app(":memory:").openapi()
    found = [("GET", "/api/openapi.json"), ("GET", "/api/docs")]
    for path, operations in document["paths"].items():
        filled = re.sub(r"\{[^}]+\}", "1", path)
        found.extend((method.upper(), filled) for method in operations)
    return found


ENDPOINTS = api_endpoints()
ACTIONS = [(method, path) for method, path in ENDPOINTS if method != "GET"]


def test_api_auth_covers_every_endpoint() -> None:
    assert len(ENDPOINTS) >= 14
    assert ("POST", "/api/flows/1/records") in ACTIONS
    assert ("GET", "/api/openapi.json") in ENDPOINTS


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_api_auth_no_token_is_401(client: TestClient, method: str, path: str) -> None:
    answer = client.request(method, path, json={})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    ["Bearer kpl_unknown", "Bearer ", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "kpl_notbearer"],
)
def test_api_auth_unknown_token_is_401(client: TestClient, header: str) -> None:
    answer = client.get("/api/flows", headers={"Authorization": header})
    assert answer.status_code == 401


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_api_auth_revoked_token_is_401(
    client: TestClient, store: StateStore, method: str, path: str
) -> None:
    token, secret = create_token(store, "gone", "operator")
    revoke_token(store, token.id)
    answer = client.request(method, path, json={}, headers=bearer(secret))
    assert answer.status_code == 401


@pytest.mark.parametrize(("method", "path"), ACTIONS)
def test_api_auth_read_only_token_may_not_act(
    client: TestClient, reader_token: str, method: str, path: str
) -> None:
    answer = client.request(method, path, json={}, headers=bearer(reader_token))
    assert answer.status_code == 403


def test_api_auth_read_only_token_reads(client: TestClient, reader_token: str) -> None:
    assert client.get("/api/flows", headers=bearer(reader_token)).status_code == 200


def test_api_auth_a_revoked_token_stops_at_once(client: TestClient, store: StateStore) -> None:
    token, secret = create_token(store, "erp", "read-only")
    assert client.get("/api/flows", headers=bearer(secret)).status_code == 200
    revoke_token(store, token.id)
    assert client.get("/api/flows", headers=bearer(secret)).status_code == 401


def test_api_auth_app_closes_the_store_it_opened(tmp_path: object) -> None:
    app: FastAPI = create_app(":memory:")
    with TestClient(app):
        assert app.state.web.store.engine is not None
