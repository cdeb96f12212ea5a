"""The test-only inspection routes of a served sandbox, under ``/_sandbox/``.

``GET /_sandbox/collections`` counts the records of each collection of the store,
``GET /_sandbox/collections/{name}`` returns one collection's records, and
``GET /_sandbox/calls`` the call counts, answers by status, faults that struck
and token refreshes. They need no credentials and are never rate limited,
faulted, delayed or counted: a test reads what the API holds without changing it.
A real API has nothing like them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from koppel.sandbox._app import Sandbox

__all__ = ["INSPECTION_PREFIX", "inspection_answer"]

INSPECTION_PREFIX = "/_sandbox/"


def inspection_answer(sandbox: Sandbox, method: str, path: str) -> httpx.Response | None:
    """The answer to an inspection request, or None when ``path`` is not one."""
    if not path.startswith(INSPECTION_PREFIX):
        return None
    if method.upper() not in ("GET", "HEAD"):
        return _json({"error": "the inspection routes only answer GET"}, 405)
    parts = path[len(INSPECTION_PREFIX) :].strip("/").split("/")
    if parts == ["collections"]:
        store = sandbox.store
        return _json({"collections": {name: len(store[name]) for name in store.names()}})
    if len(parts) == 2 and parts[0] == "collections":
        name = parts[1]
        if name not in sandbox.store:
            known = ", ".join(sandbox.store.names())
            return _json({"error": f"no collection {name!r} (known: {known})"}, 404)
        records = sandbox.store[name].all()
        return _json({"collection": name, "count": len(records), "records": records})
    if parts == ["calls"]:
        return _json(call_counts(sandbox))
    routes = ["/_sandbox/collections", "/_sandbox/collections/{name}", "/_sandbox/calls"]
    return _json({"error": f"no inspection route {path}", "routes": routes}, 404)


def call_counts(sandbox: Sandbox) -> dict[str, Any]:
    """What ``GET /_sandbox/calls`` answers."""
    faults: dict[str, dict[str, int]] = {"before": {}, "after": {}}
    for (kind, after), count in sorted(sandbox.faults_struck.items()):
        faults["after" if after else "before"][kind] = count
    return {
        "total": sum(sandbox.calls.values()),
        "calls": {f"{method} {route}": n for (method, route), n in sorted(sandbox.calls.items())},
        "statuses": {str(status): n for status, n in sorted(sandbox.statuses.items())},
        "faults": faults,
        "token_refreshes": sandbox.oauth.refreshes if sandbox.oauth is not None else 0,
    }


def _json(data: Any, status: int = 200) -> httpx.Response:
    content = json.dumps(data, default=str).encode("utf-8")
    return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})
