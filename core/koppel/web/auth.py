"""Authentication and authorisation of ``koppel serve``, as FastAPI dependencies.

Pages: a user signs in with name and password (``/login``); the signed session cookie
(SameSite=strict, HTTPS only unless served on plain loopback for tests) holds the name,
a fingerprint of the password (a new password ends the old sessions) and a CSRF token
that every form POST must send back as the field ``csrf_token`` (or the header
``X-CSRF-Token``)::

    @router.post("/parked/{parked_id}/retry")
    def retry(parked_id: int, user: Principal = Depends(csrf_operator)) -> Response: ...

API: ``Authorization: Bearer kpl_...`` with a token from ``koppel tokens create``; a
missing, unknown or revoked token is a 401, a read-only token on an action a 403.

Roles: ``read-only`` reads everything; ``operator`` also acts. Every action is written
to the audit trail with :func:`record_action`.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from koppel.web._accounts import Principal, Role, find_token, get_user, record_action
from koppel.web._context import Web, get_web

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LoginRequired",
    "Principal",
    "Role",
    "api_operator",
    "api_reader",
    "csrf_checked",
    "csrf_operator",
    "csrf_token",
    "page_operator",
    "page_user",
    "record_action",
    "sign_in",
    "sign_out",
]

#: The form field, and the header, that carry the CSRF token of a POST.
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `koppel tokens create` (shown once).",
)


class LoginRequired(Exception):
    """Raised by :func:`page_user` when nobody is signed in; answered by a redirect to
    ``/login?next=...``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def location(self) -> str:
        """Where the browser is sent."""
        return f"/login?next={quote(self.next_path, safe='/')}"


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); put it in every form."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def sign_in(request: Request, principal: Principal, fingerprint: str) -> None:
    """Start a new session for a user (a fresh CSRF token, nothing of the old session)."""
    request.session.clear()
    request.session.update({"user": principal.name, "fp": fingerprint})
    csrf_token(request)


def sign_out(request: Request) -> None:
    """End the session."""
    request.session.clear()


def page_user(request: Request, web: Annotated[Web, Depends(get_web)]) -> Principal:
    """The signed-in user of a page (also set as ``request.state.user`` for templates).

    :raises LoginRequired: when nobody is signed in, the user was removed or their
        password changed since.
    """
    name = request.session.get("user")
    user = get_user(web.store, name) if isinstance(name, str) else None
    if user is None or request.session.get("fp") != user.fingerprint:
        request.session.pop("user", None)
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path if request.method == "GET" else "/")
    principal = Principal(kind="user", name=user.name, role=user.role)
    request.state.user = principal
    return principal


def page_operator(user: Annotated[Principal, Depends(page_user)]) -> Principal:
    """The signed-in user of a page that acts; 403 for a read-only user."""
    if not user.can_act:
        raise HTTPException(403, "this needs the operator role; you may only read")
    return user


async def csrf_checked(
    request: Request, user: Annotated[Principal, Depends(page_user)]
) -> Principal:
    """The signed-in user of a form POST whose CSRF token matches the session's; 403
    otherwise."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not sent or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page")
    return user


def csrf_operator(user: Annotated[Principal, Depends(csrf_checked)]) -> Principal:
    """:func:`csrf_checked` for an operator: a form POST that acts."""
    return page_operator(user)


def api_reader(
    web: Annotated[Web, Depends(get_web)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The API token's principal; 401 for a missing, unknown or revoked token."""
    token = find_token(web.store, credentials.credentials) if credentials is not None else None
    if token is None:
        raise HTTPException(
            401,
            "an API token is needed: Authorization: Bearer <token> (koppel tokens create)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Principal(kind="token", name=token.name, role=token.role, token_id=token.id)


def api_operator(principal: Annotated[Principal, Depends(api_reader)]) -> Principal:
    """The API token's principal for an action; 403 for a read-only token."""
    if not principal.can_act:
        raise HTTPException(403, "this token is read-only; actions need an operator token")
    return principal
