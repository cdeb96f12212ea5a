"""The Visma eAccounting API v2 client: hosts, OAuth2, paging, rate limit and errors.

Built on :mod:`koppel.http`: one ``httpx.Client`` per connection and run with OAuth2
bearer auth from the connection's token store (eAccounting's refresh tokens
are single-use and rotate on every refresh), 600 calls a minute, retries, and
eAccounting's error bodies ``{"ErrorCode", "DeveloperErrorMessage", "ErrorId"}``
turned into koppel errors that carry the API's message.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from koppel.errors import ConfigurationError, KoppelError, TransientError
from koppel.http import (
    OAuth2Config,
    RateLimit,
    RetryPolicy,
    json_body,
    message_at,
    raise_for_status,
)
from koppel_eaccounting.settings import SCOPES

if TYPE_CHECKING:
    from koppel.connector import Session
    from koppel_eaccounting.settings import EAccountingSettings

__all__ = [
    "API_URL",
    "ERROR_MESSAGE",
    "IDENTITY_URL",
    "RATE_LIMIT",
    "SYSTEM",
    "EAccountingClient",
    "hosts",
    "oauth",
    "odata_literal",
    "parse_utc",
    "wait_hint",
]

SYSTEM = "eaccounting"
API_URL = "https://eaccountingapi.vismaonline.com/v2/"
IDENTITY_URL = "https://identity.vismaonline.com"
#: "600 requests per minute ... per client and endpoint"; no budget headers are sent.
RATE_LIMIT = RateLimit(per_minute=600, headers=None, max_wait=90.0)
#: The message of an error body ``{"ErrorCode", "DeveloperErrorMessage", "ErrorId"}``
#: (REFERENCE.md, "Error body": S1 ``CommonExtendedBadRequest``).
ERROR_MESSAGE = message_at("DeveloperErrorMessage")

_WAIT_HINT = re.compile(r"try again in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


def hosts(settings: EAccountingSettings) -> tuple[str, str]:
    """The API root and the identity server of a connection: its ``api_url`` and
    ``identity_url``, else production. Visma's sandbox uses the production hosts too
    (REFERENCE.md, mismatch 6), so the setting ``sandbox`` changes neither."""
    api = settings.api_url or API_URL
    identity = settings.identity_url or IDENTITY_URL
    return api.rstrip("/") + "/", identity.rstrip("/")


def oauth(session: Session) -> OAuth2Config:
    """The connection's OAuth2 app (credentials ``client_id``, ``client_secret``) on
    eAccounting's identity server: ``koppel auth`` and the client's token refreshes use it."""
    settings: EAccountingSettings = session.settings
    identity = hosts(settings)[1]
    extra = {"prompt": "login"}
    if settings.acr_values:
        extra["acr_values"] = settings.acr_values
    return session.oauth_app(
        authorize_url=f"{identity}/connect/authorize",
        token_url=f"{identity}/connect/token",
        scope=settings.scope or SCOPES,
        extra_authorize_params=extra,
    )


def wait_hint(response: httpx.Response) -> float | None:
    """Seconds to wait after a 429: eAccounting says it only in its message
    ("... Try again in 55 seconds."); without one, the minute's window ends within 60 s."""
    if response.status_code != 429:
        return None
    found = _WAIT_HINT.search(response.text)
    return float(found.group(1)) if found else 60.0


def parse_utc(value: Any) -> datetime | None:
    """An eAccounting UTC time stamp (``2024-05-01T10:15:30.123Z``, 7 decimals allowed)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _odata_time(moment: datetime) -> str:
    text = moment.astimezone(UTC).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def odata_literal(value: Any) -> str:
    """``value`` as an OData v4 literal: quoted strings (quotes doubled), bare numbers,
    times and GUIDs."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return _odata_time(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    text = str(value).replace("'", "''")
    return f"'{text}'"


class EAccountingClient:
    """Calls to one eAccounting company, with paging that never skips or repeats a record.

    Built once per connection and run from its session (``session.http`` hands in
    the transport, clock and OAuth2 from the token store; core closes it).

    :raises ConfigurationError: when ``page_size`` is below 1.
    """

    def __init__(self, session: Session) -> None:
        settings: EAccountingSettings = session.settings
        if settings.page_size < 1:
            name = session.connection.name
            raise ConfigurationError(
                f"page_size must be at least 1, not {settings.page_size}",
                connection=name,
                path=f"connections.{name}.settings.page_size",
            )
        self.page_size = settings.page_size
        self.http = session.http(
            base_url=hosts(settings)[0],
            tenant=session.connection.name,
            rate_limit=RATE_LIMIT,
            wait_hint=wait_hint,
            error_message=ERROR_MESSAGE,
            retry=RetryPolicy(attempts=5, max_elapsed=180.0),
        )

    # -- single calls -------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        context = kwargs.pop("context", {})
        response = self.http.request(method, path, **kwargs)
        check(response, **context)
        if not response.content:
            return None
        try:
            return json_body(response)
        except ValueError as exc:
            raise TransientError(
                f"eAccounting answered {method} {path} with a body that is not JSON",
                path=path,
            ) from exc

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        """GET ``path`` (relative to ``/v2/``) and return its JSON.

        ``context`` (entity, record) is added to any error raised.
        """
        return self._send("GET", path, params=params, context=context or {})

    def post(
        self, path: str, body: Mapping[str, Any], *, context: Mapping[str, Any] | None = None
    ) -> Any:
        """POST ``body`` to ``path`` and return the created resource."""
        return self._send("POST", path, json=dict(body), context=context or {})

    def put(
        self, path: str, body: Mapping[str, Any], *, context: Mapping[str, Any] | None = None
    ) -> Any:
        """PUT (replace) ``path`` with ``body`` and return the resource."""
        return self._send("PUT", path, json=dict(body), context=context or {})

    def delete(self, path: str, *, context: Mapping[str, Any] | None = None) -> None:
        """DELETE ``path``."""
        self._send("DELETE", path, context=context or {})

    # -- lists --------------------------------------------------------------------------

    def pages(
        self,
        path: str,
        *,
        filter: str | None = None,
        orderby: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, ``$page`` 1 to ``TotalNumberOfPages``."""
        page = 1
        while True:
            data = self._page(path, page, filter, orderby)
            items = data["Data"]
            yield from items
            total = data["Meta"].get("TotalNumberOfPages")
            if not items or (isinstance(total, int) and page >= total):
                return
            page += 1

    def changed_since(
        self,
        path: str,
        field: str,
        since: str | None,
        *,
        filter: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item whose ``field`` (a UTC time) is at or after ``since``, oldest first.

        Pages by key, not by page number: each request asks for the records at
        or after the newest time seen so far and drops the ones already
        yielded. A record changed during the read moves behind the others and
        is read again with its new data; none is skipped, and none is yielded
        twice with the same time. Records that share one time stamp and fill
        more than a page are walked with ``$page``.
        """
        key = parse_utc(since) if since else None
        if since and key is None:
            raise ConfigurationError(
                f"cursor {since!r} is not a UTC time stamp", field="cursor", path=path
            )
        page = 1
        yielded: set[tuple[str, datetime | None]] = set()
        while True:
            clauses = [f"({filter})"] if filter else []
            if key is not None:
                clauses.append(f"{field} ge {_odata_time(key)}")
            query = " and ".join(clauses) or None
            data = self._page(path, page, query, f"{field} asc")
            items: list[dict[str, Any]] = data["Data"]
            for item in items:
                marker = (str(item.get("Id")), parse_utc(item.get(field)))
                if marker in yielded:
                    continue
                yielded.add(marker)
                yield item
            total = data["Meta"].get("TotalNumberOfPages")
            if not items or (isinstance(total, int) and page >= total):
                return
            last = parse_utc(items[-1].get(field))
            if last is None:
                raise TransientError(
                    f"eAccounting returned a record without {field}; cannot page by it",
                    path=path,
                )
            if last == key:
                page += 1  # a whole page shares the key's time stamp: walk on within it
            else:
                key, page = last, 1
                yielded = {m for m in yielded if m[1] == last}

    def _page(
        self, path: str, page: int, filter: str | None, orderby: str | None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"$page": page, "$pagesize": self.page_size}
        if filter:
            params["$filter"] = filter
        if orderby:
            params["$orderby"] = orderby
        data = self.get(path, params)
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("Data"), list)
            or not isinstance(data.get("Meta"), dict)
        ):
            raise TransientError(
                "eAccounting answered a list without its Meta and Data", path=path, page=page
            )
        return data


def check(response: httpx.Response, **context: Any) -> httpx.Response:
    """``response`` when it succeeded; else the koppel error with eAccounting's message.

    The error's context carries ``error_code`` and ``error_id`` from the body,
    which Visma's support asks for, and ``errors``: the body's field-level
    ``Errors`` as ``{Field: Message}`` (S1 ``CommonExtendedBadRequest``).
    """
    if response.is_success:
        return response
    response.read()
    extra: dict[str, Any] = {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        extra = {"error_code": body.get("ErrorCode"), "error_id": body.get("ErrorId")}
        errors = body.get("Errors")
        if isinstance(errors, list) and errors:
            extra["errors"] = {
                str(e.get("Field") or ""): e.get("Message") for e in errors if isinstance(e, dict)
            }
    try:
        raise_for_status(response, **context)
    except KoppelError as exc:
        exc.with_context(**extra)
        raise
    return response
