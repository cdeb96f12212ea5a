"""Signing in, sessions, CSRF and roles of the pages; users and tokens in the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from koppel.errors import ConfigurationError, StateError
from koppel.state import StateStore
from koppel.web import Principal
from koppel.web._accounts import (
    add_user,
    audit_entries,
    create_token,
    find_token,
    list_tokens,
    remove_user,
    revoke_token,
    verify_user,
)
from koppel.web._throttle import LoginThrottle
from koppel.web.auth import csrf_operator, page_operator, page_user

from .conftest import PASSWORD, form_csrf


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The app with three probe routes: one per page dependency."""
    probe = APIRouter()

    @probe.get("/probe/read")
    def read(user: Annotated[Principal, Depends(page_user)]) -> dict[str, str]:
        return {"user": user.name, "role": user.role.value}

    @probe.get("/probe/act")
    def act(user: Annotated[Principal, Depends(page_operator)]) -> dict[str, str]:
        return {"user": user.name}

    @probe.post("/probe/act")
    def act_form(user: Annotated[Principal, Depends(csrf_operator)]) -> dict[str, str]:
        return {"user": user.name}

    app.include_router(probe)
    return app


def test_auth_page_redirects_to_login_when_signed_out(client: TestClient) -> None:
    answer = client.get("/probe/read?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/probe/read%3Fx%3D1"


def test_auth_sign_in_goes_to_next_and_sets_a_strict_cookie(
    client: TestClient, store: StateStore
) -> None:
    add_user(store, "anna", PASSWORD, "operator")
    csrf = form_csrf(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"name": "anna", "password": PASSWORD, "csrf_token": csrf, "next": "/probe/read"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/probe/read"
    cookie = answer.headers["set-cookie"].lower()
    assert "samesite=strict" in cookie and "httponly" in cookie
    assert client.get("/probe/read").json() == {"user": "anna", "role": "operator"}


def test_auth_secure_cookie_by_default(store: StateStore) -> None:
    from koppel.web import create_app

    add_user(store, "anna", PASSWORD, "operator")
    with TestClient(create_app(store), base_url="https://koppel.test") as client:
        csrf = form_csrf(client.get("/login").text)
        answer = client.post(
            "/login",
            data={"name": "anna", "password": PASSWORD, "csrf_token": csrf},
            follow_redirects=False,
        )
    assert "secure" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/x", "/\\evil.test"])
def test_auth_sign_in_never_sends_elsewhere(
    client: TestClient, store: StateStore, target: str
) -> None:
    add_user(store, "anna", PASSWORD, "operator")
    csrf = form_csrf(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"name": "anna", "password": PASSWORD, "csrf_token": csrf, "next": target},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/flows"


def test_auth_wrong_password_or_unknown_user_is_refused(
    client: TestClient, store: StateStore
) -> None:
    add_user(store, "anna", PASSWORD, "operator")
    csrf = form_csrf(client.get("/login").text)
    for name, password in (("anna", "not the password"), ("nobody", PASSWORD)):
        answer = client.post(
            "/login", data={"name": name, "password": password, "csrf_token": csrf}
        )
        assert answer.status_code == 401
        assert "Wrong name or password" in answer.text
    assert client.get("/probe/read", follow_redirects=False).status_code == 303


def test_auth_sign_in_without_the_forms_csrf_token_is_refused(
    client: TestClient, store: StateStore
) -> None:
    add_user(store, "anna", PASSWORD, "operator")
    client.get("/login")
    answer = client.post(
        "/login", data={"name": "anna", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert answer.status_code == 403
    assert client.get("/probe/read", follow_redirects=False).status_code == 303


def test_auth_form_post_needs_the_sessions_csrf_token(
    client: TestClient, signed_in: Callable[[TestClient, str], str]
) -> None:
    csrf = signed_in(client, "operator")
    assert client.post("/probe/act", data={}).status_code == 403
    assert client.post("/probe/act", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/probe/act", data={"csrf_token": csrf}).json() == {"user": "anna"}
    assert client.post("/probe/act", headers={"X-CSRF-Token": csrf}).status_code == 200


def test_auth_read_only_user_may_read_but_not_act(
    client: TestClient, signed_in: Callable[[TestClient, str], str]
) -> None:
    csrf = signed_in(client, "read-only")
    assert client.get("/probe/read").status_code == 200
    assert client.get("/probe/act").status_code == 403
    assert client.post("/probe/act", data={"csrf_token": csrf}).status_code == 403


def test_auth_sign_out_needs_csrf_and_ends_the_session(
    client: TestClient, signed_in: Callable[[TestClient, str], str]
) -> None:
    csrf = signed_in(client, "operator")
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    answer = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.headers["location"] == "/login"
    assert client.get("/probe/read", follow_redirects=False).status_code == 303


def test_auth_removed_user_or_new_password_ends_sessions(
    client: TestClient, store: StateStore, signed_in: Callable[[TestClient, str], str]
) -> None:
    signed_in(client, "operator")
    add_user(store, "anna", "another password", "operator", replace=True)
    assert client.get("/probe/read", follow_redirects=False).status_code == 303
    signed_in(client, "operator")
    remove_user(store, "anna")
    assert client.get("/probe/read", follow_redirects=False).status_code == 303


def test_auth_passwords_are_argon2_hashes(store: StateStore) -> None:
    add_user(store, "anna", PASSWORD, "read-only")
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM koppel_web_users").scalar()
    assert isinstance(stored, str) and stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_user(store, "anna", PASSWORD) is not None
    assert verify_user(store, "anna", PASSWORD + "!") is None


@pytest.mark.parametrize(
    ("name", "password", "role", "problem"),
    [
        ("an na", PASSWORD, "operator", "user name 'an na'"),
        ("anna", "short", "operator", "at least 8 characters"),
        ("anna", PASSWORD, "admin", "unknown role 'admin'; roles: read-only, operator"),
    ],
)
def test_auth_bad_user_is_refused_naming_the_problem(
    store: StateStore, name: str, password: str, role: str, problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        add_user(store, name, password, role)


def test_auth_existing_user_is_not_replaced_silently(store: StateStore) -> None:
    add_user(store, "anna", PASSWORD, "operator")
    with pytest.raises(ConfigurationError, match="exists already"):
        add_user(store, "anna", "other password", "read-only")
    with pytest.raises(StateError, match="no user 'bob'"):
        remove_user(store, "bob")


def test_auth_tokens_are_kept_hashed_and_revocable(store: StateStore) -> None:
    token, secret = create_token(store, "erp", "operator")
    assert secret.startswith("kpl_") and len(secret) > 40
    with store.engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT token_hash FROM koppel_api_tokens").scalar()
    assert secret not in str(kept)
    found = find_token(store, secret)
    assert found is not None and found.id == token.id and found.last_used_at is not None
    assert find_token(store, secret + "x") is None
    revoke_token(store, token.id)
    assert find_token(store, secret) is None
    assert [t.id for t in list_tokens(store, revoked=False)] == []
    with pytest.raises(StateError, match="no API token 99"):
        revoke_token(store, 99)


def test_auth_security_headers(client: TestClient) -> None:
    answer = client.get("/login")
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


def test_auth_api_docs_need_a_token_or_a_session(
    client: TestClient, reader_token: str, signed_in: Callable[[TestClient, str], str]
) -> None:
    assert client.get("/api/openapi.json").status_code == 401
    assert client.get("/api/docs").status_code == 401
    headers = {"Authorization": f"Bearer {reader_token}"}
    assert client.get("/api/openapi.json", headers=headers).json()["info"]["title"] == "koppel"
    signed_in(client, "read-only")
    assert client.get("/api/docs").status_code == 200
    assert audit_entries(client.app.state.web.store) == []  # type: ignore[attr-defined]


def test_auth_failed_sign_ins_lock_the_name_for_a_while(
    client: TestClient, store: StateStore
) -> None:
    add_user(store, "anna", PASSWORD, "operator")
    web = client.app.state.web  # type: ignore[attr-defined]
    now = [1000.0]
    web.login_throttle = LoginThrottle(attempts=3, window=600, clock=lambda: now[0])

    def sign_in(name: str, password: str) -> tuple[int, str]:
        csrf = form_csrf(client.get("/login").text)
        answer = client.post(
            "/login", data={"name": name, "password": password, "csrf_token": csrf}
        )
        return answer.status_code, answer.text

    assert [sign_in(name, "guess")[0] for name in ("anna", "Anna", "ANNA")] == [401] * 3
    status, page = sign_in("anna", PASSWORD)  # the right password too, while locked
    assert status == 429 and "Too many failed sign-ins" in page
    assert sign_in("bert", "guess")[0] == 401  # another name is not locked
    now[0] += 601
    assert sign_in("anna", PASSWORD)[0] == 200
    assert client.get("/probe/read").json()["user"] == "anna"
