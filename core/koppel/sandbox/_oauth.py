"""An emulated OAuth2 provider: authorize and token endpoints with single-use refresh tokens."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx

from koppel.http import OAuthToken
from koppel.sandbox._app import SandboxRequest, json_response

if TYPE_CHECKING:
    from koppel.sandbox._app import Sandbox

__all__ = ["OAuthEmulator"]


class OAuthEmulator:
    """OAuth2 as Exact Online and Visma do it: short access tokens, rotating refresh tokens.

    Every refresh spends the refresh token used and issues a new pair; a spent
    or unknown refresh token gets ``400 invalid_grant``. Routes of the sandbox
    with ``auth=True`` need a live access token.
    """

    def __init__(
        self,
        *,
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",
        access_ttl: int = 600,
        authorize_path: str = "/oauth2/authorize",
        token_path: str = "/oauth2/token",
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_ttl = access_ttl
        self.authorize_path = authorize_path
        self.token_path = token_path
        self.refreshes = 0
        self._codes: set[str] = set()
        self._access: dict[str, float] = {}
        self._refresh: set[str] = set()
        self.spent: set[str] = set()
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None

    def install(self, sandbox: Sandbox) -> None:
        """Add the authorize and token routes to ``sandbox``."""
        self._sandbox = sandbox
        sandbox.add_route("GET", self.authorize_path, self._authorize, auth=False, limited=False)
        sandbox.add_route("POST", self.token_path, self._token, auth=False, limited=False)

    def _now(self) -> float:
        return self._sandbox.clock.now() if self._sandbox else 0.0

    def issue_code(self) -> str:
        """An authorization code, as if the user granted access."""
        code = "code-" + secrets.token_urlsafe(8)
        with self._lock:
            self._codes.add(code)
        return code

    def grant(self) -> OAuthToken:
        """A fresh token pair, as ``koppel auth`` would obtain (for setting up tests)."""
        with self._lock:
            return self._new_pair()

    def _new_pair(self) -> OAuthToken:
        access = "at-" + secrets.token_urlsafe(12)
        refresh = "rt-" + secrets.token_urlsafe(12)
        expires = self._now() + self.access_ttl
        self._access[access] = expires
        self._refresh.add(refresh)
        return OAuthToken(access, refresh, datetime.fromtimestamp(expires, UTC))

    def expire_access_tokens(self) -> None:
        """Make every issued access token invalid (the next call gets a 401)."""
        with self._lock:
            self._access.clear()

    def check(self, request: SandboxRequest) -> httpx.Response | None:
        """None when the request carries a live bearer token, else a 401."""
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        with self._lock:
            expires = self._access.get(token)
        if expires is None or expires <= self._now():
            return json_response(
                {"error": "invalid_token", "error_description": "access token expired or unknown"},
                401,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return None

    def _authorize(self, request: SandboxRequest) -> httpx.Response:
        redirect = request.params.get("redirect_uri", "http://127.0.0.1/callback")
        if request.params.get("client_id") != self.client_id:
            return json_response({"error": "unauthorized_client"}, 400)
        query = {"code": self.issue_code(), "state": request.params.get("state", "")}
        return httpx.Response(302, headers={"Location": f"{redirect}?{urlencode(query)}"})

    def _token(self, request: SandboxRequest) -> httpx.Response:
        form = request.form
        if form.get("client_id") != self.client_id or (
            form.get("client_secret") != self.client_secret
        ):
            return json_response({"error": "invalid_client"}, 401)
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                code = form.get("code", "")
                if code not in self._codes:
                    return self._invalid_grant("authorization code unknown or used")
                self._codes.discard(code)
            elif grant == "refresh_token":
                used = form.get("refresh_token", "")
                if used not in self._refresh:
                    return self._invalid_grant("refresh token unknown or already used")
                self._refresh.discard(used)
                self.spent.add(used)
                self.refreshes += 1
            else:
                return json_response({"error": "unsupported_grant_type"}, 400)
            pair = self._new_pair()
        return json_response(
            {
                "access_token": pair.access_token,
                "token_type": "bearer",
                "expires_in": self.access_ttl,
                "refresh_token": pair.refresh_token,
            }
        )

    @staticmethod
    def _invalid_grant(description: str) -> httpx.Response:
        return json_response({"error": "invalid_grant", "error_description": description}, 400)
