{%- set auth = cookiecutter.auth -%}
{%- set paging = cookiecutter.pagination -%}
"""Emulator of the {{ cookiecutter.title }} API, on :mod:`koppel.sandbox`.

It serves every resource in ``resources.RESOURCES`` under the API's base path
with the API's pages,
{%- if paging == "limit_offset" %}
limit/offset: ``{"items": [...], "count": n, "limit": l, "offset": o}``;
{%- elif paging == "skip_take" %}
skip/take: ``{"skip": s, "take": t, "rows": [...]}``;
{%- elif paging == "page_size" %}
numbered: ``{"meta": {"page": p, "totalPages": n, ...}, "data": [...]}``;
{%- else %}
OData v2: ``{"d": {"results": [...], "__next": "<url>"}}``;
{%- endif %}
{%- if auth == "api_key" %}
its API-key check,
{%- elif auth == "bearer" %}
its bearer-token check,
{%- else %}
OAuth2 with rotating refresh tokens,
{%- endif %}
rate-limit headers and error bodies. Lists filter on ``modified_since`` (the
cursor) and on any native field (``?email=a@x.nl,b@x.nl``). When the real API
differs, change this module with the client: both describe the same API.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
{%- if paging == "odata" %}
from urllib.parse import urlencode, urlsplit
{%- else %}
from urllib.parse import urlsplit
{%- endif %}

import httpx
from koppel.sandbox import (
{%- if auth == "oauth2" %}
    OAuthEmulator,
{%- endif %}
    Sandbox,
    SandboxRateLimit,
    SandboxRequest,
    json_response,
)

from {{ cookiecutter.__package }}.client import (
{%- if auth == "api_key" %}
    API_KEY_HEADER,
{%- elif auth == "oauth2" %}
    AUTHORIZE_URL,
{%- endif %}
    BASE_URL,
    CALLS_PER_MINUTE,
    RATE_LIMIT_HEADERS,
{%- if auth == "oauth2" %}
    TOKEN_URL,
{%- endif %}
)
from {{ cookiecutter.__package }}.demo import demo_records, stamp
from {{ cookiecutter.__package }}.resources import RESOURCES, Resource

__all__ = ["make_sandbox"]
{% if auth == "api_key" %}
#: The API key the sandbox accepts.
DEMO_API_KEY = "sandbox-api-key"
{%- elif auth == "bearer" %}
#: The bearer token the sandbox accepts.
DEMO_TOKEN = "sandbox-token"
{%- else %}
#: The OAuth2 client registration the sandbox accepts.
DEMO_CLIENT_ID = "sandbox-client"
DEMO_CLIENT_SECRET = "sandbox-secret"
{%- endif %}
{%- if paging == "odata" %}
#: Records per page; the server decides and links the next page.
PAGE_SIZE = 10
{%- else %}
#: The largest page the API serves, whatever the client asks.
MAX_PAGE_SIZE = 100
{%- endif %}
#: Query parameters that steer paging and change tracking rather than filter on a field.
{%- if paging == "limit_offset" %}
CONTROL_PARAMS = frozenset({"limit", "offset", "modified_since"})
{%- elif paging == "skip_take" %}
CONTROL_PARAMS = frozenset({"skip", "take", "modified_since"})
{%- elif paging == "page_size" %}
CONTROL_PARAMS = frozenset({"page", "pageSize", "modified_since"})
{%- else %}
CONTROL_PARAMS = frozenset({"$skiptoken", "modified_since"})
{%- endif %}
API_PATH = urlsplit(BASE_URL).path.rstrip("/")


def _error(status: int, message: str) -> httpx.Response:
{%- if paging == "odata" %}
    body = {"error": {"code": str(status), "message": {"lang": "en-US", "value": message}}}
{%- else %}
    body = {"error": {"code": status, "message": message}}
{%- endif %}
    return json_response(body, status)
{%- if auth != "oauth2" %}


def _authenticate(request: SandboxRequest) -> httpx.Response | None:
{%- if auth == "api_key" %}
    if request.headers.get(API_KEY_HEADER) != DEMO_API_KEY:
        return _error(401, "The API key is missing or invalid.")
{%- else %}
    if request.headers.get("Authorization") != f"Bearer {DEMO_TOKEN}":
        return _error(401, "The bearer token is missing or invalid.")
{%- endif %}
    return None
{%- endif %}


def _sort_key(row: Mapping[str, Any]) -> tuple[str, int]:
    return str(row.get("modifiedAt") or ""), int(row["id"])


def _select(rows: list[dict[str, Any]], params: Mapping[str, str]) -> list[dict[str, Any]]:
    """Rows changed since ``modified_since`` whose fields match every other parameter."""
    since = params.get("modified_since")
    if since:
        rows = [r for r in rows if str(r.get("modifiedAt") or "") >= since]
    for name, value in params.items():
        if name not in CONTROL_PARAMS:
            wanted = {part.strip().lower() for part in value.split(",")}
            rows = [r for r in rows if str(r.get(name, "")).lower() in wanted]
    return sorted(rows, key=_sort_key)


def _page(rows: list[dict[str, Any]], request: SandboxRequest, path: str) -> Any:
    params = request.params
{%- if paging == "limit_offset" %}
    limit = min(int(params.get("limit", MAX_PAGE_SIZE)), MAX_PAGE_SIZE)
    offset = int(params.get("offset", 0))
    items = rows[offset : offset + limit]
    return {"items": items, "count": len(rows), "limit": limit, "offset": offset}
{%- elif paging == "skip_take" %}
    take = min(int(params.get("take", MAX_PAGE_SIZE)), MAX_PAGE_SIZE)
    skip = int(params.get("skip", 0))
    return {"skip": skip, "take": take, "rows": rows[skip : skip + take]}
{%- elif paging == "page_size" %}
    size = min(int(params.get("pageSize", MAX_PAGE_SIZE)), MAX_PAGE_SIZE)
    page = max(int(params.get("page", 1)), 1)
    meta = {
        "page": page,
        "pageSize": size,
        "totalPages": max(-(-len(rows) // size), 1),
        "totalCount": len(rows),
    }
    return {"meta": meta, "data": rows[(page - 1) * size : page * size]}
{%- else %}
    start = int(params.get("$skiptoken", 0))
    body: dict[str, Any] = {"results": rows[start : start + PAGE_SIZE]}
    if start + PAGE_SIZE < len(rows):
        query = {**params, "$skiptoken": str(start + PAGE_SIZE)}
        body["__next"] = f"{BASE_URL}{path}?{urlencode(query)}"
    return {"d": body}
{%- endif %}


def _answer(record: Mapping[str, Any], status: int = 200) -> httpx.Response:
{%- if paging == "odata" %}
    return json_response({"d": record}, status)
{%- else %}
    return json_response(record, status)
{%- endif %}


def _install(box: Sandbox, entity: str, resource: Resource) -> None:
    """List, get, create and update routes for one resource."""
    records = box.store[entity]
    collection = f"{API_PATH}{resource.path}"
    key_field = next(iter(resource.match_fields.values()))

    def now() -> str:
        return stamp(datetime.fromtimestamp(box.clock.now(), UTC))

    def invalid(body: Any) -> httpx.Response | None:
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object.")
        if body.get(resource.required) in (None, ""):
            return _error(400, f"Field '{resource.required}' is required.")
        return None

    def list_records(request: SandboxRequest) -> Any:
        return _page(_select(records.all(), request.params), request, resource.path)

    def get_record(request: SandboxRequest) -> Any:
        found = records.get(request.path_params["id"])
        return _answer(found) if found else _error(404, f"No {entity} record with this id.")

    def create_record(request: SandboxRequest) -> Any:
        body = request.json
        problem = invalid(body)
        if problem is not None:
            return problem
        value = str(body.get(key_field) or "").lower()
        if value and any(str(r.get(key_field) or "").lower() == value for r in records):
            return _error(409, f"A record with {key_field} '{body[key_field]}' exists already.")
        body.pop("id", None)
        return _answer(records.insert({**body, "modifiedAt": now()}), 201)

    def update_record(request: SandboxRequest) -> Any:
        found = records.get(request.path_params["id"])
        if found is None:
            return _error(404, f"No {entity} record with this id.")
        body = request.json
        problem = invalid({**found, **body} if isinstance(body, dict) else body)
        if problem is not None:
            return problem
        body.pop("id", None)
        updated = records.update(request.path_params["id"], {**body, "modifiedAt": now()})
        return _answer(updated or {})

    box.add_route("GET", collection, list_records)
    box.add_route("POST", collection, create_record)
    box.add_route("GET", collection + "/{id}", get_record)
    box.add_route("PUT", collection + "/{id}", update_record)


def make_sandbox(seed: int = 0) -> Sandbox:
    """A fresh {{ cookiecutter.title }} sandbox with the demo data for ``seed``."""
    box = Sandbox(
        "{{ cookiecutter.system }}",
        base_url=BASE_URL,
        rate_limit=SandboxRateLimit(per_minute=CALLS_PER_MINUTE, headers=RATE_LIMIT_HEADERS),
{%- if auth == "oauth2" %}
        oauth=OAuthEmulator(
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            authorize_path=urlsplit(AUTHORIZE_URL).path,
            token_path=urlsplit(TOKEN_URL).path,
        ),
{%- else %}
        authenticate=_authenticate,
{%- endif %}
    )
    for entity, resource in RESOURCES.items():
        box.store.seed(entity, demo_records(entity, seed))
        _install(box, entity, resource)
    return box
