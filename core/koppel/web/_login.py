"""Signing in and out of the pages: ``/login`` and ``/logout``; ``/`` goes to the flows."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from koppel.web._accounts import Principal, verify_user
from koppel.web._context import Web, get_web
from koppel.web.auth import csrf_checked, csrf_token, sign_in, sign_out

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (``/flows`` for anything else)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/flows"
    return target


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/flows", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, web: Annotated[Web, Depends(get_web)], next: str | None = None
) -> Response:
    return web.templates.TemplateResponse(
        request, "login.html", {"next": safe_next(next), "error": None}
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    web: Annotated[Web, Depends(get_web)],
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token_field: Annotated[str, Form(alias="csrf_token")] = "",
    next: Annotated[str, Form()] = "/flows",
) -> Response:
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(csrf_token_field, expected):
        return _failed(request, web, next, "The form expired; please sign in again.", 403)
    address = request.client.host if request.client else ""
    wait = web.login_throttle.wait(address, name)
    if wait > 0:
        minutes = max(round(wait / 60), 1)
        text = f"Too many failed sign-ins; try again in {minutes} minute(s)."
        return _failed(request, web, next, text, 429)
    user = verify_user(web.store, name, password)
    if user is None:
        web.login_throttle.failed(address, name)
        return _failed(request, web, next, "Wrong name or password.", 401)
    web.login_throttle.succeeded(address, name)
    sign_in(request, Principal(kind="user", name=user.name, role=user.role), user.fingerprint)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, _user: Annotated[Principal, Depends(csrf_checked)]) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


def _failed(request: Request, web: Web, next: str, error: str, status: int) -> Response:
    csrf_token(request)
    return web.templates.TemplateResponse(
        request, "login.html", {"next": safe_next(next), "error": error}, status_code=status
    )
