{%- set auth = cookiecutter.auth -%}
{%- set paging = cookiecutter.pagination -%}
{%- set cls = cookiecutter.__class -%}
"""The {{ cookiecutter.title }} API as the resources use it: lists, lookups, creates, updates.

koppel builds one client per connection and run from the connection's session
and closes it when the run ends. ``session.http`` hands in the connection's
transport and clock, so the same code talks to the sandbox in tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from koppel.connector import Session
from koppel.errors import UncertainOutcomeError
{%- set auth_name = {"api_key": "ApiKeyAuth", "bearer": "BearerAuth", "oauth2": "OAuth2Config"}[auth] %}
{%- set pages = {"limit_offset": "limit_offset_pages", "odata": "odata_pages", "skip_take": "skip_take_pages", "page_size": "page_number_pages"}[paging] %}
from koppel.http import {{ auth_name }}, RateLimit, {{ ([pages, "raise_for_status"] | sort | join(", ")) }}

from {{ cookiecutter.__package }}.facts import {{ "API_KEY_HEADER, CALLS_PER_MINUTE" if auth == "api_key" else "CALLS_PER_MINUTE" }}
from {{ cookiecutter.__package }}.settings import {{ cls }}Settings

#: Match-key values looked up per request.
LOOKUP_BATCH = 50
Row = dict[str, Any]
Rows = list[Row]


class {{ cls }}Client:
    """One connection's client, on the ``httpx.Client`` koppel builds for it: retries,
    the API's rate limit, {{ {"api_key": "the API key in a header", "bearer": "a bearer token", "oauth2": "OAuth2 with rotating refresh tokens"}[auth] }},
    request logs with secrets redacted."""

    def __init__(self, session: Session) -> None:
        settings: {{ cls }}Settings = session.settings
{%- if paging != "odata" %}
        self.page_size = settings.page_size
{%- endif %}
        self.http = session.http(
            base_url=settings.base_url,
            tenant=session.connection.name,
{%- if auth == "api_key" %}
            auth=ApiKeyAuth(settings.api_key, header=API_KEY_HEADER),
{%- elif auth == "bearer" %}
            auth=BearerAuth(settings.token),
{%- else %}
            # auth: OAuth2 from the connection's token store (the connector's oauth=)
{%- endif %}
            rate_limit=RateLimit(per_minute=CALLS_PER_MINUTE),
        )

    def list(self, path: str, params: Mapping[str, str]) -> Iterator[Row]:
        """Every record at ``path`` that matches ``params``, page by page, oldest change first."""
{%- if paging == "limit_offset" %}
        return limit_offset_pages(self.http, path.lstrip("/"), params, limit=self.page_size)
{%- elif paging == "skip_take" %}
        return skip_take_pages(self.http, path.lstrip("/"), params, take=self.page_size)
{%- elif paging == "page_size" %}
        return page_number_pages(
            self.http,
            path.lstrip("/"),
            params,
            page_size=self.page_size,
            data_key="data",
            meta_key="meta",
            total_pages_key="totalPages",
            page_param="page",
            size_param="pageSize",
        )
{%- else %}
        return odata_pages(self.http, path.lstrip("/"), params)
{%- endif %}

    def lookup(self, path: str, field: str, values: Sequence[str]) -> dict[str, Rows]:
        """Every record whose ``field`` holds one of ``values`` (any case), by value: a
        value several records share has them all, never one picked silently."""
        found: dict[str, Rows] = {}
        for start in range(0, len(values), LOOKUP_BATCH):
            batch = values[start : start + LOOKUP_BATCH]
            wanted = {value.lower(): value for value in batch}
            for row in self.list(path, {field: ",".join(batch)}):
                value = wanted.get(str(row.get(field) or "").lower())
                if value is not None:
                    found.setdefault(value, []).append(row)
        return found

    def create(self, path: str, payload: Mapping[str, Any]) -> Row:
        """Create one record; the answer holds its new ``id``."""
        return self._send("POST", path, payload)

    def update(self, path: str, record_id: str, payload: Mapping[str, Any]) -> Row:
        """Update record ``record_id`` with ``payload``."""
        return self._send("PUT", f"{path}/{record_id}", payload)

    def _send(self, method: str, path: str, payload: Mapping[str, Any]) -> Row:
        response = self.http.request(
            method,
            path.lstrip("/"),
            content=json.dumps(dict(payload), default=_json),
            headers={"Content-Type": "application/json"},
        )
        raise_for_status(response)
        try:
            answer = response.json()
        except ValueError:
            answer = None
{%- if paging == "odata" %}
        answer = answer.get("d") if isinstance(answer, dict) else answer
{%- endif %}
        if not isinstance(answer, dict) or "id" not in answer:
            raise UncertainOutcomeError(f"the answer to {method} {path} holds no id")
        return answer
{%- if auth == "oauth2" %}


def oauth(session: Session) -> OAuth2Config:
    """The connection's OAuth2 app: ``koppel auth`` and the client's token refreshes use it."""
    settings: {{ cls }}Settings = session.settings
    return OAuth2Config(
        authorize_url=settings.authorize_url,
        token_url=settings.token_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        redirect_uri=settings.redirect_uri,
    )
{%- endif %}


def _json(value: Any) -> Any:
    """Decimals as JSON numbers, dates as ISO 8601 text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
