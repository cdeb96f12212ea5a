"""The Exact Online REST client: hosts, division, OAuth2, rate limits, OData reads and writes.

One :class:`ExactClient` serves a connection for a run (kept in
``connection.cache``). It talks to ``{host}/api/v1/{division}/...`` through a
koppel client that limits calls to 60 a minute and 5,000 a day per division,
corrects its budget from Exact's ``X-RateLimit-*`` headers, and authenticates
with OAuth2 through the connection's token store (refresh tokens are single-use,
so every refresh happens under the store's lock).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from koppel.errors import ConfigurationError, TransientError
from koppel.http import (
    SYSTEM_CLOCK,
    Clock,
    MemoryTokenStore,
    OAuth2Auth,
    OAuth2Config,
    RateLimit,
    RateLimiter,
    RateLimitHeaders,
    build_client,
    message_at,
    odata_pages,
    raise_for_status,
)
from koppel.sync import Connection
from koppel_exact_online.odata import timestamp_filter
from koppel_exact_online.resources import Resource

__all__ = [
    "ERROR_MESSAGE",
    "HOSTS",
    "PAGE_SIZE",
    "RATE_LIMIT",
    "RATE_LIMIT_HEADERS",
    "SYNC_PAGE_SIZE",
    "SYSTEM",
    "ExactClient",
    "base_url_for",
    "client_for",
    "oauth_config",
    "set_default_clock",
]

SYSTEM = "exact-online"

#: Exact Online's host per country (setting ``region``).
HOSTS: dict[str, str] = {
    "nl": "https://start.exactonline.nl",
    "be": "https://start.exactonline.be",
    "de": "https://start.exactonline.de",
    "uk": "https://start.exactonline.co.uk",
    "us": "https://start.exactonline.com",
    "es": "https://start.exactonline.es",
    "fr": "https://start.exactonline.fr",
}

#: Records per page on the regular endpoints, and on ``bulk/`` and ``sync/``.
PAGE_SIZE = 60
SYNC_PAGE_SIZE = 1000

#: Exact's budget headers: the minute's and the day's remaining calls, each reset in UTC
#: epoch milliseconds (REFERENCE.md, "Rate-limit headers": S3, S4). The sandbox answers them.
RATE_LIMIT_HEADERS = RateLimitHeaders(
    minute_remaining="X-RateLimit-Minutely-Remaining",
    minute_reset="X-RateLimit-Minutely-Reset",
    day_remaining="X-RateLimit-Remaining",
    day_reset="X-RateLimit-Reset",
    reset_unit="epoch_ms",
)
#: 60 calls a minute and 5,000 a day per company, reported in :data:`RATE_LIMIT_HEADERS`.
RATE_LIMIT = RateLimit(per_minute=60, per_day=5000, headers=RATE_LIMIT_HEADERS)
#: The message of an error body ``{"error": {"code", "message": {"lang", "value"}}}``
#: (REFERENCE.md, "Error body": S3).
ERROR_MESSAGE = message_at("error.message.value")

#: Refresh the access token (10 minutes) only in its last 30 seconds, or after a 401:
#: Exact asks for no more than one token request per 570 seconds.
TOKEN_LEEWAY = 30.0

_CACHE_KEY = "exact-online.client"
_cache_lock = threading.Lock()
_default_clock: Clock = SYSTEM_CLOCK


def set_default_clock(clock: Clock | None) -> None:
    """The clock clients built by the hooks use (None: the real one); tests run on a fake one.

    A flow run builds its connections itself, so this is how a test or a
    benchmark puts the plugin on the same :class:`~koppel.http.FakeClock` as the sandbox.
    """
    global _default_clock
    _default_clock = clock or SYSTEM_CLOCK


def base_url_for(settings: Mapping[str, Any]) -> str:
    """The host a connection talks to: ``base_url`` if set, else the ``region``'s host.

    :raises ConfigurationError: for an unknown region.
    """
    if settings.get("base_url"):
        return str(settings["base_url"]).rstrip("/")
    region = str(settings.get("region") or "nl").lower()
    try:
        return HOSTS[region]
    except KeyError:
        known = ", ".join(sorted(HOSTS))
        raise ConfigurationError(
            f"unknown Exact Online region {region!r}; known: {known}",
            system=SYSTEM,
            field="region",
        ) from None


def oauth_config(connection: Connection) -> OAuth2Config:
    """The OAuth2 registration of ``connection``: client id and secret, redirect URI."""
    base = base_url_for(connection.settings)
    secrets = connection.secrets
    client_id = secrets.get("client_id") or connection.settings.get("client_id")
    if not client_id:
        raise ConfigurationError(
            "an Exact Online connection needs a client_id (register an app in the App Center)",
            system=SYSTEM,
            connection=connection.name,
            field="client_id",
        )
    return OAuth2Config(
        authorize_url=f"{base}/api/oauth2/auth",
        token_url=f"{base}/api/oauth2/token",
        client_id=str(client_id),
        client_secret=secrets.get("client_secret"),
        redirect_uri=connection.settings.get("redirect_uri"),
    )


class ExactClient:
    """Calls to one Exact Online division for one connection.

    :param connection: the connection (settings ``region``/``base_url``,
        ``division``; secrets ``client_id``, ``client_secret``; its token store).
    :param clock: time for rate-limit waits and token expiry (fake in tests).
    :param rate_limiter: the limiter to share; by default core's shared one for ``clock``.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        clock: Clock = SYSTEM_CLOCK,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.connection = connection
        self.clock = clock
        self.rate_limiter = rate_limiter
        self.host = base_url_for(connection.settings)
        store = connection.token_store
        if store is None:
            store = connection.token_store = MemoryTokenStore()
        self._token_http = httpx.Client(transport=connection.transport, timeout=30.0)
        self.auth = OAuth2Auth(
            oauth_config(connection),
            store,
            connection.name,
            token_client=self._token_http,
            clock=clock,
            leeway=TOKEN_LEEWAY,
        )
        configured = connection.settings.get("division")
        self._division: int | None = int(configured) if configured not in (None, "") else None
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    # -- plumbing ----------------------------------------------------------

    def _client(self, tenant: str) -> httpx.Client:
        return build_client(
            system=SYSTEM,
            base_url=f"{self.host}/api/v1/",
            tenant=tenant,
            auth=self.auth,  # attached after the limiter's wait, so it cannot expire on the way
            transport=self.connection.transport,
            rate_limit=RATE_LIMIT,
            rate_limiter=self.rate_limiter,
            error_message=ERROR_MESSAGE,
            clock=self.clock,
        )

    @property
    def division(self) -> int:
        """The division (company) every call goes to: the setting, else ``current/Me``."""
        with self._lock:
            if self._division is None:
                self._division = self._current_division()
            return self._division

    def _current_division(self) -> int:
        with self._client("current") as client:
            response = raise_for_status(
                client.get("current/Me", params={"$select": "CurrentDivision"})
            )
        body = response.json().get("d", {})
        rows = body.get("results", [body]) if isinstance(body, dict) else body
        try:
            return int(rows[0]["CurrentDivision"])
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            raise TransientError(
                "current/Me answered without a CurrentDivision", system=SYSTEM
            ) from exc

    @property
    def http(self) -> httpx.Client:
        """The koppel client for this division (rate limit keyed by the division)."""
        division = self.division
        with self._lock:
            if self._http is None:
                self._http = self._client(str(division))
            return self._http

    def url(self, path: str) -> str:
        """``{division}/{path}``, relative to ``/api/v1/``."""
        return f"{self.division}/{path}"

    def close(self) -> None:
        """Close the HTTP clients."""
        if self._http is not None:
            self._http.close()
        self._token_http.close()

    # -- reads -------------------------------------------------------------

    def read(
        self,
        resource: Resource,
        *,
        select: tuple[str, ...] | None = None,
        filter: str | None = None,
        path: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every record of ``resource`` (60 a page), optionally filtered."""
        params: dict[str, str] = {"$select": ",".join(select or resource.select or (resource.key,))}
        if filter:
            params["$filter"] = filter
        return odata_pages(self.http, self.url(path or resource.path), params)

    def sync(
        self,
        resource: Resource,
        cursor: str | int | None = None,
        *,
        select: tuple[str, ...] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Records of ``resource`` changed since ``cursor`` through the Sync API (1000 a page).

        Rows come in ``Timestamp`` order; the highest one is the next cursor.
        """
        if resource.sync is None:
            raise ConfigurationError(
                f"Exact Online has no Sync API for {resource.name}", system=SYSTEM
            )
        fields = tuple(select or resource.select)
        if "Timestamp" not in fields:
            fields = (*fields, "Timestamp")
        params = {"$select": ",".join(fields), "$filter": timestamp_filter(cursor)}
        return odata_pages(self.http, self.url(resource.sync), params)

    # -- writes ------------------------------------------------------------

    def create(self, resource: Resource, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new record; Exact answers it whole (``Prefer: return=representation``)."""
        response = raise_for_status(
            self.http.post(
                self.url(resource.path),
                json=dict(payload),
                headers={"Prefer": "return=representation"},
            ),
            entity=resource.name,
        )
        body = response.json().get("d", {})
        if not isinstance(body, dict) or not body.get(resource.key):
            raise TransientError(
                f"Exact answered a created {resource.name} without its {resource.key}",
                system=SYSTEM,
            )
        return body

    def update(self, resource: Resource, key: str, payload: Mapping[str, Any]) -> None:
        """PUT changes to record ``key`` (Exact answers 204 No Content)."""
        raise_for_status(
            self.http.put(f"{self.url(resource.path)}(guid'{key}')", json=dict(payload)),
            entity=resource.name,
            record=key,
        )


def client_for(
    connection: Connection,
    *,
    clock: Clock | None = None,
    rate_limiter: RateLimiter | None = None,
) -> ExactClient:
    """The connection's client for this run, built on first use and kept in its cache.

    Tests call it first with a fake ``clock`` (and limiter); hooks then reuse that client.
    """
    with _cache_lock:
        client = connection.cache.get(_CACHE_KEY)
        if client is None:
            client = ExactClient(
                connection, clock=clock or _default_clock, rate_limiter=rate_limiter
            )
            connection.cache[_CACHE_KEY] = client
        assert isinstance(client, ExactClient)
        return client
