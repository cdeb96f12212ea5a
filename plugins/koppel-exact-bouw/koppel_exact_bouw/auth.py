"""Heimdall's login: the API key buys a bearer token (a JWT) that expires.

``POST /auth/login/{app}/apiKey`` with the form field ``apiKey`` answers
``{"token": "<JWT>"}`` (facts.CLIENTS). :class:`LoginAuth` logs in before the first
call, again shortly before the token's ``exp``, and once more when a call is answered
401 (a token revoked or expired early), then sends that call again; a second 401 is
the caller's to report.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Generator

import httpx

from koppel.errors import AuthError
from koppel.http import Clock, api_message
from koppel_exact_bouw.facts import TOKEN_FALLBACK_LIFETIME

__all__ = ["LoginAuth", "token_expiry"]

#: Log in again this many seconds before the token's ``exp``.
LEEWAY = 60.0


def token_expiry(token: str, now: float) -> float:
    """When ``token`` expires: its JWT ``exp``, else ``now`` plus the fallback lifetime."""
    parts = token.split(".")
    if len(parts) == 3:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        try:
            claims = json.loads(base64.urlsafe_b64decode(padded))
        except (ValueError, binascii.Error):
            claims = None
        if isinstance(claims, dict) and isinstance(claims.get("exp"), int | float):
            return float(claims["exp"])
    return now + TOKEN_FALLBACK_LIFETIME


class LoginAuth(httpx.Auth):
    """Bearer auth with a token from Heimdall's API-key login, renewed as it expires.

    :param login_url: the absolute login URL (with the application's name).
    :param api_key: the API key.
    :param clock: the run's clock, against which ``exp`` is read.
    """

    requires_response_body = True

    def __init__(self, login_url: str, api_key: str, clock: Clock) -> None:
        if not api_key:
            raise AuthError("the API key is empty", field="api_key")
        self._url = login_url
        self._key = api_key
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._valid()
        if token is None:
            token = self._take((yield self._login()))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            token = self._take((yield self._login()))
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    def _valid(self) -> str | None:
        with self._lock:
            if self._token and self._clock.now() < self._expires - LEEWAY:
                return self._token
            return None

    def _login(self) -> httpx.Request:
        return httpx.Request(
            "POST", self._url, data={"apiKey": self._key}, headers={"Accept": "application/json"}
        )

    def _take(self, response: httpx.Response) -> str:
        if not response.is_success:
            raise AuthError(
                f"the API-key login was refused: {api_message(response)}",
                status=response.status_code,
            )
        try:
            token = response.json()["token"]
        except (ValueError, KeyError, TypeError) as exc:
            raise AuthError(f"the login's answer holds no token ({exc!r})") from exc
        if not isinstance(token, str) or not token:
            raise AuthError("the login's answer holds no token")
        with self._lock:
            self._token = token
            self._expires = token_expiry(token, self._clock.now())
        return token
