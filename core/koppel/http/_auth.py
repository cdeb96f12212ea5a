"""Authentication for connectors: headers and API keys, bearer, OAuth2.

An API with a token scheme of its own builds the header value in its plugin
and hands it to :class:`HeaderAuth`.

OAuth2 uses the authorization-code flow once (``koppel auth CONNECTION``) and
refreshes through a :class:`~koppel.http.TokenStore` afterwards, so that a
rotating refresh token is spent by exactly one worker and the new one is
stored before its access token is used.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Generator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import attrs
import httpx

from koppel.errors import AuthError, ConfigurationError, KoppelError, TransientError
from koppel.http._clock import SYSTEM_CLOCK, Clock
from koppel.http._errors import api_message
from koppel.http._logging import SECRET_PARAMS_EXTENSION
from koppel.http._tokens import OAuthToken, TokenStore

__all__ = [
    "ApiKeyAuth",
    "BearerAuth",
    "HeaderAuth",
    "OAuth2Auth",
    "OAuth2Config",
    "authorization_url",
    "code_from_redirect",
    "exchange_code",
    "refresh_token",
]

#: Refreshes after 401s for one request: the token another worker stored may have been
#: replaced again before the retry, so one more is allowed.
_MOST_REFRESHES = 2


class HeaderAuth(httpx.Auth):
    """Sets fixed headers on every request (credentials an API takes as headers)."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self._headers)
        yield request


class ApiKeyAuth(httpx.Auth):
    """An API key in a header (default ``X-API-Key``) or, with ``query=``, a query parameter."""

    def __init__(self, key: str, *, header: str = "X-API-Key", query: str | None = None) -> None:
        if not key:
            raise ConfigurationError("the API key is empty", field=query or header)
        self._key = key
        self._header = header
        self._query = query

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._query:
            request.url = request.url.copy_merge_params({self._query: self._key})
            request.extensions[SECRET_PARAMS_EXTENSION] = (self._query,)
        else:
            request.headers[self._header] = self._key
        yield request


class BearerAuth(HeaderAuth):
    """``Authorization: Bearer <token>`` with a token that does not expire within a run."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ConfigurationError("the bearer token is empty", field="token")
        super().__init__({"Authorization": f"Bearer {token}"})


@attrs.frozen(kw_only=True)
class OAuth2Config:
    """A connection's OAuth2 client registration and the provider's endpoints."""

    authorize_url: str
    token_url: str
    client_id: str
    client_secret: str | None = attrs.field(default=None, repr=False)
    redirect_uri: str | None = None
    scope: str | None = None
    extra_authorize_params: Mapping[str, str] = attrs.field(factory=dict)


def authorization_url(config: OAuth2Config, state: str | None = None) -> tuple[str, str]:
    """The URL the operator opens to grant access, and the ``state`` it carries."""
    state = state or secrets.token_urlsafe(16)
    params = {"response_type": "code", "client_id": config.client_id, "state": state}
    if config.redirect_uri:
        params["redirect_uri"] = config.redirect_uri
    if config.scope:
        params["scope"] = config.scope
    params.update(config.extra_authorize_params)
    sep = "&" if "?" in config.authorize_url else "?"
    return f"{config.authorize_url}{sep}{urlencode(params)}", state


def code_from_redirect(answer: str, *, state: str | None = None) -> str:
    """The authorization code from a pasted redirect URL, or the code itself.

    :raises AuthError: when the provider reported an error or ``state`` differs.
    """
    text = answer.strip()
    if not text:
        raise AuthError("no authorization code given")
    if "?" not in text and "=" not in text:
        return text
    query = parse_qs(urlsplit(text).query or text.lstrip("?"))
    if "error" in query:
        detail = query.get("error_description", query["error"])[0]
        raise AuthError(f"the provider refused the authorisation: {detail}")
    if state is not None and query.get("state", [state])[0] != state:
        raise AuthError("the redirect's state does not match; open the printed URL again")
    codes = query.get("code")
    if not codes or not codes[0]:
        raise AuthError("the redirect URL holds no code= parameter")
    return codes[0]


def _token_request(
    config: OAuth2Config, form: dict[str, str], client: httpx.Client, clock: Clock, what: str
) -> OAuthToken:
    form = {**form, "client_id": config.client_id}
    if config.client_secret:
        form["client_secret"] = config.client_secret
    try:
        response = client.post(config.token_url, data=form, headers={"Accept": "application/json"})
        response.read()
    except httpx.TransportError as exc:
        # Sent but unanswered, a refresh may have spent the refresh token: a later
        # refresh then fails with invalid_grant and asks for `koppel auth`.
        raise TransientError(
            f"{what} failed: the token endpoint did not answer ({type(exc).__name__})"
        ) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(
            f"{what} failed at the token endpoint: {api_message(response)}",
            status=response.status_code,
        )
    if not response.is_success:
        raise AuthError(f"{what} failed: {api_message(response)}", status=response.status_code)
    try:
        data: dict[str, Any] = response.json()
        access = data["access_token"]
        lifetime = float(data.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError) as exc:
        raise AuthError(f"{what}: the token endpoint's answer is malformed ({exc!r})") from exc
    expires = datetime.fromtimestamp(clock.now(), UTC) + timedelta(seconds=lifetime)
    return OAuthToken(
        access_token=access,
        refresh_token=data.get("refresh_token"),
        expires_at=expires,
        scope=data.get("scope"),
    )


def exchange_code(
    config: OAuth2Config, code: str, *, client: httpx.Client, clock: Clock = SYSTEM_CLOCK
) -> OAuthToken:
    """Trade an authorization code for the first token."""
    form = {"grant_type": "authorization_code", "code": code}
    if config.redirect_uri:
        form["redirect_uri"] = config.redirect_uri
    return _token_request(config, form, client, clock, "exchanging the authorization code")


def refresh_token(
    config: OAuth2Config, token: OAuthToken, *, client: httpx.Client, clock: Clock = SYSTEM_CLOCK
) -> OAuthToken:
    """Spend ``token``'s refresh token for a new token (keeping it if none is returned)."""
    if not token.refresh_token:
        raise AuthError("the stored token has no refresh token")
    form = {"grant_type": "refresh_token", "refresh_token": token.refresh_token}
    new = _token_request(config, form, client, clock, "refreshing the OAuth token")
    if new.refresh_token is None:
        new = attrs.evolve(new, refresh_token=token.refresh_token)
    return new


class OAuth2Auth(httpx.Auth):
    """Bearer auth from a :class:`TokenStore`, refreshed before expiry and on a 401.

    :param config: the client registration.
    :param store: where the connection's token lives.
    :param key: the token's key in the store (the connection's name).
    :param token_client: the client that calls the token endpoint.
    :param leeway: refresh when the access token expires within this many seconds.
    """

    def __init__(
        self,
        config: OAuth2Config,
        store: TokenStore,
        key: str,
        *,
        token_client: httpx.Client,
        clock: Clock = SYSTEM_CLOCK,
        leeway: float = 30.0,
    ) -> None:
        self.config = config
        self.store = store
        self.key = key
        self.token_client = token_client
        self.clock = clock
        self.leeway = leeway
        self._token: OAuthToken | None = None
        self._lock = threading.Lock()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def _current(self) -> OAuthToken:
        with self._lock:
            token = self._token or self.store.load(self.key)
        if token is None:
            raise AuthError(
                f"no OAuth token stored; run `koppel auth {self.key}`", connection=self.key
            )
        if token.expires_within(self.leeway, now=self._now()):
            token = self._refresh(token)
        with self._lock:
            self._token = token
        return token

    def _refresh(self, seen: OAuthToken) -> OAuthToken:
        return self._refreshed(seen)[0]

    def _refreshed(self, seen: OAuthToken) -> tuple[OAuthToken, bool]:
        """The token after ``seen``, and whether this call exchanged it at the token
        endpoint (False: another worker had stored a newer one)."""
        exchanged: list[bool] = []

        def exchange(current: OAuthToken) -> OAuthToken:
            exchanged.append(True)
            return refresh_token(self.config, current, client=self.token_client, clock=self.clock)

        try:
            token = self.store.refresh(self.key, seen, exchange)
        except KoppelError as exc:
            exc.with_context(connection=self.key)
            if isinstance(exc, AuthError) and "koppel auth" not in exc.message:
                exc.message = f"{exc.message}; run `koppel auth {self.key}` to authorise again"
                exc.args = (exc.message,)
            raise
        with self._lock:
            self._token = token
        return token, bool(exchanged)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the current token; on a 401 refresh and send once more. A token taken
        from the store (another worker refreshed) may have been replaced again before
        the retry: its 401 gets one more refresh; a fresh token's 401 is the answer."""
        token = self._current()
        for refreshes in range(_MOST_REFRESHES + 1):
            request.headers["Authorization"] = f"Bearer {token.access_token}"
            response = yield request
            if response.status_code != 401 or refreshes == _MOST_REFRESHES:
                return
            token, exchanged = self._refreshed(token)
            if exchanged:
                request.headers["Authorization"] = f"Bearer {token.access_token}"
                yield request
                return
