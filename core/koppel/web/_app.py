"""The ASGI app of ``koppel serve``: middleware, error pages, the routers."""

from __future__ import annotations

import importlib
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from koppel import __version__
from koppel.state import StateStore, open_state
from koppel.web._accounts import Principal
from koppel.web._context import (
    TEMPLATES,
    RelationsOpener,
    Web,
    get_web,
    open_relations,
    template_context,
)
from koppel.web._runs import RunLauncher, Runner
from koppel.web.auth import LoginRequired, _bearer, api_reader

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from koppel.flows import Flow

__all__ = ["SECRET_ENV", "SESSION_COOKIE", "create_app"]

#: Environment variable with the key that signs the session cookies; without it a
#: random key is made at start (sessions then end when the server restarts).
SECRET_ENV = "KOPPEL_WEB_SECRET"
SESSION_COOKIE = "koppel_session"
#: A session lasts this long (seconds) after sign-in.
SESSION_AGE = 12 * 3600

_API_DESCRIPTION = """\
The HTTP API of `koppel serve`: flows and their runs, the activity log, parked
records, purchase bookings, and records pushed into a flow whose source is the built-in
`push` system.

Every request needs an API token (`koppel tokens create --role read-only|operator`) in
`Authorization: Bearer <token>`. Actions (start a run, retry or discard parked records,
push records) need an operator token and are written to the audit trail.
"""


def create_app(
    store: StateStore | str,
    *,
    flows: Mapping[str, Flow] | None = None,
    cookie_secure: bool = True,
    secret_key: str | None = None,
    runner: Runner | None = None,
    use_worker: bool | None = None,
    relations: RelationsOpener = open_relations,
) -> FastAPI:
    """The ``koppel serve`` app over ``store`` (a :class:`StateStore`, or a path or URL
    to open; the app then closes it at shutdown).

    :param flows: the served flows, by name (runs, pushes and pages need the flow).
    :param cookie_secure: send the session cookie over HTTPS only; False only for a
        server on plain HTTP on loopback (tests, local use).
    :param secret_key: signs the session cookies (default ``$KOPPEL_WEB_SECRET``, else a
        random key per start).
    :param runner: how a run started from the web runs (the engine's ``run_flow`` by
        default; ``koppel serve --sandbox`` runs against the sandboxes).
    :param use_worker: queue runs for ``koppel worker`` (True), run them in the server
        (False), or queue them when a worker is alive (None).
    :param relations: opens a relations flow's workflow for the relation queue's pages
        (``koppel serve --sandbox``: against the sandboxes).
    """
    owned = not isinstance(store, StateStore)
    opened = open_state(store) if isinstance(store, str) else store
    served = dict(flows or {})
    templates = Jinja2Templates(directory=TEMPLATES, context_processors=[template_context])
    web = Web(
        store=opened,
        flows=served,
        templates=templates,
        launcher=RunLauncher(opened, served, runner=runner, use_worker=use_worker),
        secure=cookie_secure,
        relations=relations,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        web.launcher.join(timeout=60)
        if owned:
            opened.close()

    app = FastAPI(
        title="koppel",
        version=__version__,
        description=_API_DESCRIPTION,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = web
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_AGE,
        same_site="strict",
        https_only=cookie_secure,
    )
    app.add_middleware(_SecurityHeaders)
    app.mount("/static", StaticFiles(directory=TEMPLATES.with_name("static")), name="static")
    _add_error_handlers(app)
    _add_routers(app)
    return app


def _add_routers(app: FastAPI) -> None:
    from koppel.web._login import router as login_router
    from koppel.web.api import router as api_router

    app.include_router(login_router)
    app.include_router(api_router)
    try:  # the pages, when present
        pages = importlib.import_module("koppel.web.pages")
    except ModuleNotFoundError as exc:
        if exc.name != "koppel.web.pages":
            raise
    else:
        app.include_router(pages.router)

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(_who: Annotated[Principal, Depends(_document_reader)]) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False)
    def docs(_who: Annotated[Principal, Depends(_document_reader)]) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="koppel API")


def _document_reader(
    request: Request,
    web: Annotated[Web, Depends(get_web)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """An API token, or else a signed-in user (the API docs in a browser)."""
    if credentials is None:
        from koppel.web.auth import page_user

        try:
            return page_user(request, web)
        except LoginRequired:
            pass
    return api_reader(web, credentials)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api") or "text/html" not in request.headers.get(
            "accept", ""
        ):
            return await http_exception_handler(request, exc)
        web: Web = request.app.state.web
        titles = {403: "Not allowed", 404: "Not found", 409: "Conflict"}
        return web.templates.TemplateResponse(
            request,
            "error.html",
            {
                "status": exc.status_code,
                "title": titles.get(exc.status_code, "Something went wrong"),
                "detail": exc.detail,
            },
            status_code=exc.status_code,
            headers=exc.headers,
        )


class _SecurityHeaders:
    """Headers on every answer: no framing, no sniffing, no referrer leaving the site,
    and pages never cached (they show personal data)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(_headers(static))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _headers(static: bool) -> Iterator[tuple[bytes, bytes]]:
    yield b"x-content-type-options", b"nosniff"
    yield b"x-frame-options", b"DENY"
    yield b"referrer-policy", b"same-origin"
    if not static:
        yield b"cache-control", b"no-store"
