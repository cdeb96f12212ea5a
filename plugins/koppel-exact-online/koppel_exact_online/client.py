"""The Exact Online REST client: hosts, division, OAuth2, rate limits, OData reads and writes.

Core builds one :class:`ExactClient` per connection and run from its session
(with the connection's transport, clock and token store) and closes its HTTP
clients when the run ends. It talks to ``{host}/api/v1/{division}/...`` through
koppel clients that limit calls to 60 a minute and 5,000 a day per division,
correct the budget from Exact's ``X-RateLimit-*`` headers, and authenticate with
OAuth2 through the connection's token store (refresh tokens are single-use, so
every refresh happens under the store's lock; core's 30 seconds of leeway keep
to Exact's one token request per 570 seconds).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from koppel.errors import ConfigurationError, TransientError
from koppel.http import (
    OAuth2Config,
    RateLimit,
    RateLimitHeaders,
    message_at,
    odata_pages,
    raise_for_status,
)
from koppel_exact_online.entity_sets import EntitySet
from koppel_exact_online.facts import not_updatable
from koppel_exact_online.odata import timestamp_filter

if TYPE_CHECKING:
    from koppel.connector import Session
    from koppel_exact_online.settings import ExactSettings

__all__ = [
    "DIVISION_FOR",
    "ERROR_MESSAGE",
    "HOSTS",
    "RATE_LIMIT",
    "RATE_LIMIT_HEADERS",
    "SYSTEM",
    "ExactClient",
    "host_of",
    "oauth_config",
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
#: How long the current division ``current/Me`` answered is kept before it is asked again.
DIVISION_FOR = timedelta(days=7)
#: The message of an error body ``{"error": {"code", "message": {"lang", "value"}}}``
#: (REFERENCE.md, "Error body": S3).
ERROR_MESSAGE = message_at("error.message.value")


def host_of(settings: ExactSettings) -> str:
    """The host a connection talks to: ``base_url`` if set, else the ``region``'s host."""
    return settings.base_url.rstrip("/") if settings.base_url else HOSTS[settings.region]


def oauth_config(session: Session) -> OAuth2Config:
    """The OAuth2 registration of a connection: client id and secret, redirect URI."""
    settings: ExactSettings = session.settings
    host = host_of(settings)
    return session.oauth_app(
        authorize_url=f"{host}/api/oauth2/auth", token_url=f"{host}/api/oauth2/token"
    )


class ExactClient:
    """Calls to one Exact Online division for one connection and run.

    :param session: the connection's session (settings ``region``/``base_url``,
        ``division``; credentials ``client_id``, ``client_secret``; its token store).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.host = host_of(session.settings)
        self.auth = session.oauth_auth()  # one token for every division's client
        self._division: int | None = session.settings.division
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    def _client(self, tenant: str) -> httpx.Client:
        return self.session.http(
            base_url=f"{self.host}/api/v1/",
            tenant=tenant,
            auth=self.auth,  # attached after the limiter's wait, so it cannot expire on the way
            rate_limit=RATE_LIMIT,
            error_message=ERROR_MESSAGE,
        )

    @property
    def division(self) -> int:
        """The division (company) every call goes to: the setting, else the user's current
        division from ``current/Me``, kept in the state store for :data:`DIVISION_FOR`."""
        with self._lock:
            if self._division is None:
                self._division = self._kept_division(refresh=False)
            return self._division

    def ask_division(self) -> int:
        """The user's current division asked again (``current/Me``) and kept anew; the
        division calls go to stays the setting's, when set."""
        division = self._kept_division(refresh=True)
        with self._lock:
            if self.session.settings.division is None:
                self._division = division
        return division

    def _kept_division(self, *, refresh: bool) -> int:
        key = f"{self.host}/{self.session.connection.name}/current/Me/CurrentDivision"
        kept = self.session.remembered(
            key, self._current_division, max_age=DIVISION_FOR, refresh=refresh
        )
        return int(kept)

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

    # -- reads -------------------------------------------------------------

    def read(
        self,
        entity_set: EntitySet,
        *,
        select: tuple[str, ...] | None = None,
        filter: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every record of ``entity_set`` (60 a page), optionally filtered."""
        fields = select or entity_set.select or (entity_set.key,)
        params: dict[str, str] = {"$select": ",".join(fields)}
        if filter:
            params["$filter"] = filter
        return odata_pages(self.http, self.url(entity_set.path), params)

    def bulk(
        self,
        entity_set: EntitySet,
        *,
        select: tuple[str, ...] | None = None,
        filter: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Records of ``entity_set`` through its bulk endpoint (1,000 a page, not 60),
        optionally filtered."""
        if entity_set.bulk is None:
            raise ConfigurationError(
                f"Exact Online has no bulk endpoint for {entity_set.name}", system=SYSTEM
            )
        fields = tuple(f for f in (select or entity_set.select) if f != "Timestamp")
        params: dict[str, str] = {"$select": ",".join(fields)}
        if filter:
            params["$filter"] = filter
        return odata_pages(self.http, self.url(entity_set.bulk), params)

    def sync(
        self,
        entity_set: EntitySet,
        cursor: str | int | None = None,
        *,
        select: tuple[str, ...] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Records of ``entity_set`` changed since ``cursor`` through the Sync API (1000 a page).

        Rows come in ``Timestamp`` order; the highest one is the next cursor.
        """
        if entity_set.sync is None:
            raise ConfigurationError(
                f"Exact Online has no Sync API for {entity_set.name}", system=SYSTEM
            )
        fields = tuple(select or entity_set.select)
        if "Timestamp" not in fields:
            fields = (*fields, "Timestamp")
        params = {"$select": ",".join(fields), "$filter": timestamp_filter(cursor)}
        return odata_pages(self.http, self.url(entity_set.sync), params)

    # -- writes ------------------------------------------------------------

    def create(self, entity_set: EntitySet, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST a new record; Exact answers it whole (``Prefer: return=representation``)."""
        response = raise_for_status(
            self.http.post(
                self.url(entity_set.path),
                json=dict(payload),
                headers={"Prefer": "return=representation"},
            ),
            entity=entity_set.name,
        )
        body = response.json().get("d", {})
        if not isinstance(body, dict) or not body.get(entity_set.key):
            raise TransientError(
                f"Exact answered a created {entity_set.name} without its {entity_set.key}",
                system=SYSTEM,
            )
        return body

    def delete(self, entity_set: EntitySet, key: str) -> bool:
        """DELETE record ``key``; False when Exact has no such record (404: already gone)."""
        response = self.http.delete(f"{self.url(entity_set.path)}(guid'{key}')")
        if response.status_code == 404:
            return False
        raise_for_status(response, entity=entity_set.name, record=key)
        return True

    def update(self, entity_set: EntitySet, key: str, payload: Mapping[str, Any]) -> None:
        """PUT changes to record ``key`` (Exact answers 204 No Content), without the
        fields a PUT does not take (``facts.not_updatable``: ``OrderedBy``, ``Journal``…)."""
        frozen = not_updatable(entity_set.path)
        payload = {name: value for name, value in payload.items() if name not in frozen}
        raise_for_status(
            self.http.put(f"{self.url(entity_set.path)}(guid'{key}')", json=dict(payload)),
            entity=entity_set.name,
            record=key,
        )
