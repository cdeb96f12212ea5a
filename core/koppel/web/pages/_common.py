"""What every page module uses: the dependencies, and rendering a template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from koppel.web._accounts import Principal
from koppel.web._context import Web, flash, get_web
from koppel.web.auth import csrf_operator, page_user

__all__ = ["Operator", "User", "WebDep", "back", "render"]

#: A signed-in user of a page (any role).
User = Annotated[Principal, Depends(page_user)]
#: A signed-in operator's form POST whose CSRF token matches (403 otherwise).
Operator = Annotated[Principal, Depends(csrf_operator)]
WebDep = Annotated[Web, Depends(get_web)]


def render(
    web: Web, request: Request, template: str, context: Mapping[str, Any], status: int = 200
) -> Response:
    """``template`` filled with ``context`` (and what every template sees)."""
    return web.templates.TemplateResponse(request, template, dict(context), status_code=status)


def back(request: Request, to: str, kind: str | None = None, text: str = "") -> Response:
    """Go to ``to`` after a form POST (303), showing ``text`` there once."""
    if kind is not None:
        flash(request, kind, text)
    return RedirectResponse(to, status_code=303)
