{%- set auth = cookiecutter.auth -%}
{%- set paging = cookiecutter.pagination -%}
"""An emulator of the {{ cookiecutter.title }} API on :mod:`koppel.sandbox`, with demo.json's records.

Each collection of facts.py is served under the API's path: ``GET`` lists it,
oldest change first, filtered by ``modified_since`` and by its keys, in
{%- if paging == "limit_offset" %}
limit/offset pages (``{"items": [...], "count": n, "limit": l, "offset": o}``);
{%- elif paging == "skip_take" %}
skip/take pages (``{"skip": s, "take": t, "rows": [...]}``);
{%- elif paging == "page_size" %}
numbered pages (``{"meta": {"page": p, "totalPages": n, ...}, "data": [...]}``);
{%- else %}
OData v2 pages (``{"d": {"results": [...], "__next": "<url>"}}``);
{%- endif %}
``POST`` creates a record and ``PUT .../{id}`` updates one. A request that
breaks facts.py is refused before a handler sees it. Every error is answered
as core's sandbox answers by default, an RFC 9457 problem (``{"title",
"status", "detail"}``); an API with its own error shape overrides
``error_response`` and ``contract_refused`` in a subclass of ``Sandbox``.
Where the real API differs, change this module with facts.py and the client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any
{%- if auth == "oauth2" %}
from urllib.parse import urlsplit
{%- endif %}

import httpx
from koppel.errors import PluginError
from koppel.sandbox import {{ "OAuthEmulator, " if auth == "oauth2" else "" }}Sandbox, SandboxRateLimit, SandboxRequest, json_response

from {{ cookiecutter.__package }} import facts
{% if auth == "api_key" %}
#: The API key the sandbox accepts.
DEMO_API_KEY = "sandbox-api-key"
{%- elif auth == "bearer" %}
#: The bearer token the sandbox accepts.
DEMO_TOKEN = "sandbox-token"
{%- else %}
#: The OAuth2 app the sandbox knows.
DEMO_CLIENT_ID = "sandbox-client"
DEMO_CLIENT_SECRET = "sandbox-secret"
{%- endif %}
DEMO = resources.files("{{ cookiecutter.__package }}") / "demo.json"
Row = dict[str, Any]


def make_sandbox(seed: int = 0, volume: int | None = None) -> Sandbox:
    """A fresh sandbox holding demo.json's records (the same for every ``seed``)."""
    if volume is not None:
        raise PluginError("the {{ cookiecutter.system }} sandbox serves demo.json; it takes no volume")
    box = Sandbox(
        "{{ cookiecutter.system }}",
        base_url=facts.BASE_URL,
        rate_limit=SandboxRateLimit(per_minute=facts.CALLS_PER_MINUTE),
{%- if auth == "oauth2" %}
        oauth=OAuthEmulator(
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            authorize_path=urlsplit(facts.AUTHORIZE_URL).path,
            token_path=urlsplit(facts.TOKEN_URL).path,
        ),
{%- else %}
        authenticate=lambda request: _authenticate(box, request),
{%- endif %}
    )
    demo = json.loads(DEMO.read_text("utf-8"))
    for collection in facts.COLLECTIONS:
        box.store.seed(collection.name, demo[collection.name])
        _serve(box, collection)
    return box


def _serve(box: Sandbox, collection: facts.Collection) -> None:
    """The list, create and update routes of one collection, each with its facts."""
    records = box.store[collection.name]
    listed, created, updated = collection.endpoints
    unique = collection.keys[0]

    def list_records(request: SandboxRequest) -> Any:
        return _page(_matching(records.all(), request.params, collection.keys), request)

    def create(request: SandboxRequest) -> Any:
        body = request.json
        value = str(body[unique]).lower()
        if any(str(row.get(unique) or "").lower() == value for row in records):
            message = f"A record with {unique} {body[unique]!r} exists already."
            return box.error_response(409, message)
        return _answer(records.insert({**body, "modifiedAt": _now(box)}), 201)

    def update(request: SandboxRequest) -> Any:
        changes = {**request.json, "modifiedAt": _now(box)}
        found = records.update(request.path_params["id"], changes)
        return _answer(found) if found else box.error_response(404, "No record has this id.")

    box.add_route(listed.method, listed.pattern, list_records, contract=listed)
    box.add_route(created.method, created.pattern, create, contract=created)
    box.add_route(updated.method, updated.pattern, update, contract=updated)
{%- if auth != "oauth2" %}


def _authenticate(box: Sandbox, request: SandboxRequest) -> httpx.Response | None:
{%- if auth == "api_key" %}
    if request.headers.get(facts.API_KEY_HEADER) != DEMO_API_KEY:
        return box.error_response(401, "The API key is missing or invalid.")
{%- else %}
    if request.headers.get("Authorization") != f"Bearer {DEMO_TOKEN}":
        return box.error_response(401, "The bearer token is missing or invalid.")
{%- endif %}
    return None
{%- endif %}


def _matching(rows: list[Row], params: Mapping[str, str], keys: Sequence[str]) -> list[Row]:
    """Rows changed since ``modified_since`` whose keys hold one of the values asked for."""
    since = params.get("modified_since")
    if since:
        rows = [row for row in rows if str(row["modifiedAt"]) >= since]
    for key in keys:
        if key in params:
            wanted = {value.strip().lower() for value in params[key].split(",")}
            rows = [row for row in rows if str(row.get(key) or "").lower() in wanted]
    return sorted(rows, key=lambda row: (str(row["modifiedAt"]), int(row["id"])))


def _page(rows: list[Row], request: SandboxRequest) -> Any:
    params = request.params
{%- if paging == "limit_offset" %}
    limit = min(int(params.get("limit", facts.MAX_PAGE_SIZE)), facts.MAX_PAGE_SIZE)
    offset = int(params.get("offset", 0))
    items = rows[offset : offset + limit]
    return {"items": items, "count": len(rows), "limit": limit, "offset": offset}
{%- elif paging == "skip_take" %}
    take = min(int(params.get("take", facts.MAX_PAGE_SIZE)), facts.MAX_PAGE_SIZE)
    skip = int(params.get("skip", 0))
    return {"skip": skip, "take": take, "rows": rows[skip : skip + take]}
{%- elif paging == "page_size" %}
    size = min(int(params.get("pageSize", facts.MAX_PAGE_SIZE)), facts.MAX_PAGE_SIZE)
    page = max(int(params.get("page", 1)), 1)
    meta = {"page": page, "pageSize": size, "totalPages": max(-(-len(rows) // size), 1)}
    return {"meta": meta, "data": rows[(page - 1) * size : page * size]}
{%- else %}
    start = int(params.get("$skiptoken", 0))
    end = start + facts.PAGE_SIZE
    body: dict[str, Any] = {"results": rows[start:end]}
    if end < len(rows):
        body["__next"] = str(request.raw.url.copy_set_param("$skiptoken", str(end)))
    return {"d": body}
{%- endif %}


def _answer(record: Row, status: int = 200) -> httpx.Response:
{%- if paging == "odata" %}
    return json_response({"d": record}, status)
{%- else %}
    return json_response(record, status)
{%- endif %}


def _now(box: Sandbox) -> str:
    return datetime.fromtimestamp(box.clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
