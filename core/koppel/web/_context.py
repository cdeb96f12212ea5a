"""What every route of ``koppel serve`` reaches through :func:`get_web`: the state store,
the served flows, the templates and the run launcher."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates

from koppel.web._throttle import LoginThrottle

if TYPE_CHECKING:
    from koppel.flows import Flow
    from koppel.relations import RelationWorkflow
    from koppel.state import StateStore
    from koppel.web._runs import RunLauncher

__all__ = [
    "TEMPLATES",
    "RelationsOpener",
    "Web",
    "flash",
    "get_web",
    "open_relations",
    "template_context",
]

#: Opens a relations flow's workflow on the store, acting for ``by`` (its connections
#: to the real systems, or ``koppel serve --sandbox``'s sandboxes).
RelationsOpener = Callable[
    ["Flow", "StateStore", "str | None"], AbstractContextManager["RelationWorkflow"]
]


@contextmanager
def open_relations(flow: Flow, store: StateStore, by: str | None) -> Iterator[RelationWorkflow]:
    """The workflow of ``flow`` against the systems its flow file names."""
    from koppel.relations import RelationWorkflow

    with RelationWorkflow(flow, store, by=by) as work:
        yield work


#: The folder of the pages' Jinja2 templates.
TEMPLATES = Path(__file__).with_name("templates")


@attrs.define(eq=False)
class Web:
    """The served app's state (``app.state.web``).

    :param store: the state store the CLI uses too.
    :param flows: the served flows, by name.
    :param templates: the pages' templates (``templates.TemplateResponse(request, name, ctx)``).
    :param launcher: starts runs and keeps the progress of those run here.
    :param secure: whether cookies are sent over HTTPS only.
    :param relations: opens a relations flow's workflow (the relation queue's pages).
    :param login_throttle: counts failed sign-ins per address and name.
    """

    store: StateStore
    flows: Mapping[str, Flow]
    templates: Jinja2Templates
    launcher: RunLauncher
    secure: bool = True
    relations: RelationsOpener = open_relations
    login_throttle: LoginThrottle = attrs.Factory(LoginThrottle)

    def flow(self, name: str) -> Flow:
        """The served flow ``name``; a 404 naming the served flows when there is none."""
        flow = self.flows.get(name)
        if flow is None:
            served = ", ".join(sorted(self.flows)) or "none"
            raise HTTPException(404, f"no flow {name!r} is served (flows: {served})")
        return flow

    def flow_names(self) -> list[str]:
        """The served flows and the flows the state store knows of, by name."""
        return sorted(set(self.flows) | set(self.store.known_flows()))


def get_web(request: Request) -> Web:
    """FastAPI dependency: the app's :class:`Web`."""
    web: Web = request.app.state.web
    return web


def flash(request: Request, kind: str, text: str) -> None:
    """Show ``text`` once on the next page (``kind``: "ok", "error" or "info")."""
    request.session.setdefault("flash", []).append([kind, text])


def template_context(request: Request) -> dict[str, object]:
    """What every template sees besides its own context: ``user`` (the signed-in
    :class:`~koppel.web.auth.Principal`, or None), ``csrf_token`` and the flashed
    ``messages``."""
    from koppel.web.auth import csrf_token

    messages = request.session.pop("flash", []) if "session" in request.scope else []
    return {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "messages": messages,
    }
