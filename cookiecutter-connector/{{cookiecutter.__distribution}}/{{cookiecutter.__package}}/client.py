{%- set auth = cookiecutter.auth -%}
{%- set paging = cookiecutter.pagination -%}
"""The {{ cookiecutter.title }} HTTP client, built on :mod:`koppel.http`.

One ``httpx.Client`` per connection and run, built by koppel: retries with
back-off on 429 and 5xx, the API's rate limit (corrected by its headers),
{%- if auth == "api_key" %}
the API key in a header,
{%- elif auth == "bearer" %}
a bearer token,
{%- else %}
OAuth2 with rotating refresh tokens kept in the connection's token store,
{%- endif %}
request logs with secrets redacted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
from koppel.errors import ConfigurationError, TransientError
from koppel.http import (
{%- if auth == "api_key" %}
    ApiKeyAuth,
{%- elif auth == "bearer" %}
    BearerAuth,
{%- else %}
    OAuth2Auth,
    OAuth2Config,
{%- endif %}
    RateLimit,
    RateLimitHeaders,
    build_client,
{%- if paging == "limit_offset" %}
    limit_offset_pages,
{%- elif paging == "odata" %}
    odata_pages,
{%- elif paging == "page_size" %}
    page_number_pages,
{%- endif %}
    raise_for_status,
{%- if paging == "skip_take" %}
    skip_take_pages,
{%- endif %}
)
from koppel.sync import Connection

from {{ cookiecutter.__package }}.resources import RESOURCES

__all__ = [
    "BASE_URL",
    "RATE_LIMIT_HEADERS",
    "client_for",
    "create_record",
    "list_records",
    "update_record",
]

SYSTEM = "{{ cookiecutter.system }}"
#: The API's root; a connection may override it with the ``base_url`` setting.
BASE_URL = "{{ cookiecutter.base_url }}"
CALLS_PER_MINUTE = {{ cookiecutter.calls_per_minute }}
#: Where the API reports its remaining budget.
RATE_LIMIT_HEADERS = RateLimitHeaders(
    minute_remaining="X-RateLimit-Remaining",
    minute_reset="X-RateLimit-Reset",
    day_remaining=None,
    day_reset=None,
    reset_unit="epoch_s",
)
{%- if auth == "api_key" %}
#: The header that carries the API key.
API_KEY_HEADER = "X-API-Key"
{%- elif auth == "oauth2" %}
#: The provider's endpoints; a connection may override them with settings of the same name.
AUTHORIZE_URL = "https://login.{{ cookiecutter.system }}.example/oauth2/authorize"
TOKEN_URL = "https://login.{{ cookiecutter.system }}.example/oauth2/token"
{%- endif %}
{%- if paging != "odata" %}
#: Records per request unless the connection's ``page_size`` setting says otherwise.
PAGE_SIZE = 100
{%- endif %}

{%- if auth != "oauth2" %}


def _secret(connection: Connection, name: str) -> str:
    value = connection.secrets.get(name)
    if not value:
        raise ConfigurationError(
            f"{SYSTEM} needs the secret {name!r}", connection=connection.name, field=name
        )
    return value
{%- endif %}


def _auth(connection: Connection) -> httpx.Auth:
{%- if auth == "api_key" %}
    return ApiKeyAuth(_secret(connection, "api_key"), header=API_KEY_HEADER)
{%- elif auth == "bearer" %}
    return BearerAuth(_secret(connection, "token"))
{%- else %}
    settings = connection.settings
    client_id = settings.get("client_id") or connection.secrets.get("client_id")
    if not client_id:
        raise ConfigurationError(
            f"{SYSTEM} needs the setting 'client_id'", connection=connection.name, field="client_id"
        )
    if connection.token_store is None:
        raise ConfigurationError(
            f"{SYSTEM} needs a token store; run the flow with koppel, which provides one",
            connection=connection.name,
        )
    config = OAuth2Config(
        authorize_url=settings.get("authorize_url", AUTHORIZE_URL),
        token_url=settings.get("token_url", TOKEN_URL),
        client_id=str(client_id),
        client_secret=connection.secrets.get("client_secret"),
        redirect_uri=settings.get("redirect_uri"),
    )
    token_client = build_client(
        system=SYSTEM,
        base_url="",
        tenant=connection.name,
        transport=connection.transport,
    )
    return OAuth2Auth(config, connection.token_store, connection.name, token_client=token_client)
{%- endif %}


def client_for(connection: Connection) -> httpx.Client:
    """The connection's client, built once and kept for the run."""
    client = connection.cache.get("{{ cookiecutter.system }}.client")
    if client is None:
        client = build_client(
            system=SYSTEM,
            base_url=connection.settings.get("base_url", BASE_URL),
            tenant=connection.name,
            auth=_auth(connection),
            transport=connection.transport,
            rate_limit=RateLimit(per_minute=CALLS_PER_MINUTE, headers=RATE_LIMIT_HEADERS),
        )
        connection.cache["{{ cookiecutter.system }}.client"] = client
    return client


def _path(entity: str) -> str:
    resource = RESOURCES.get(entity)
    if resource is None:
        raise ConfigurationError(f"{SYSTEM} has no resource for {entity!r}", entity=entity)
    return resource.path.lstrip("/")


def list_records(
    connection: Connection, entity: str, params: Mapping[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """Every record of ``entity`` matching ``params``, page by page, oldest change first."""
    client = client_for(connection)
{%- if paging == "limit_offset" %}
    size = int(connection.settings.get("page_size", PAGE_SIZE))
    return limit_offset_pages(client, _path(entity), params, limit=size)
{%- elif paging == "skip_take" %}
    size = int(connection.settings.get("page_size", PAGE_SIZE))
    return skip_take_pages(client, _path(entity), params, take=size)
{%- elif paging == "page_size" %}
    size = int(connection.settings.get("page_size", PAGE_SIZE))
    return page_number_pages(
        client,
        _path(entity),
        params,
        page_size=size,
        data_key="data",
        meta_key="meta",
        total_pages_key="totalPages",
        page_param="page",
        size_param="pageSize",
    )
{%- else %}
    return odata_pages(client, _path(entity), params)
{%- endif %}


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} {value!r} as JSON")


def _send(
    connection: Connection, method: str, url: str, payload: Mapping[str, Any], entity: str
) -> dict[str, Any]:
    response = client_for(connection).request(
        method,
        url,
        content=json.dumps(dict(payload), default=_encode),
        headers={"Content-Type": "application/json"},
    )
    raise_for_status(response, entity=entity)
    try:
        data = response.json()
    except ValueError as exc:
        raise TransientError(
            f"the API answered a {method} that is not JSON", entity=entity
        ) from exc
{%- if paging == "odata" %}
    data = data.get("d", data) if isinstance(data, dict) else data
{%- endif %}
    if not isinstance(data, dict) or "id" not in data:
        raise TransientError(f"the API's answer to a {method} holds no id", entity=entity)
    return data


def create_record(
    connection: Connection, entity: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """Create one record; the API's answer holds its new ``id``."""
    return _send(connection, "POST", _path(entity), payload, entity)


def update_record(
    connection: Connection, entity: str, target_id: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """Update record ``target_id`` with ``payload``."""
    return _send(connection, "PUT", f"{_path(entity)}/{target_id}", payload, entity)
