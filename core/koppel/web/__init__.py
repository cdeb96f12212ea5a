"""``koppel serve``: the operators' dashboard and the HTTP API over a state store.

A FastAPI app with Jinja2 pages (no JavaScript build) and a token-authenticated JSON
API under ``/api`` (OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``)::

    from koppel.web import create_app

    app = create_app("state.sqlite3", flows=load_flows(Path("flows")))
    # uvicorn.run(app, host="127.0.0.1", port=8000)

It reads and acts on the same state store as the CLI. Users (``koppel users add``) sign
in to the pages; API tokens (``koppel tokens create``) call the API; roles are
``read-only`` and ``operator``; every action is in the audit trail. How a page route
gets the store, the user, the CSRF token and the templates: ``README-dev.md`` here.
"""

from __future__ import annotations

from koppel.web._accounts import Principal, Role, record_action
from koppel.web._app import create_app
from koppel.web._context import Web, get_web

__all__ = ["Principal", "Role", "Web", "create_app", "get_web", "record_action"]
