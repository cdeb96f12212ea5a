"""Auth: header/API key/bearer, and OAuth2 with rotating refresh tokens."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import koppel.http
from koppel.errors import AuthError, ConfigurationError, TransientError
from koppel.http import (
    ApiKeyAuth,
    BearerAuth,
    FakeClock,
    FileTokenStore,
    HeaderAuth,
    MemoryRateLimiter,
    MemoryTokenStore,
    OAuth2Auth,
    OAuth2Config,
    OAuthToken,
    RetryPolicy,
    TokenStore,
    authorization_url,
    build_client,
    code_from_redirect,
    exchange_code,
)
from koppel.sandbox import OAuthEmulator, Sandbox

CONFIG = OAuth2Config(
    authorize_url="https://sandbox.invalid/oauth2/authorize",
    token_url="https://sandbox.invalid/oauth2/token",
    client_id="sandbox-client",
    client_secret="sandbox-secret",
    redirect_uri="http://127.0.0.1:8400/callback",
)


class World:
    """A sandbox with OAuth, a token store holding a granted token, and a client factory."""

    def __init__(self, store: TokenStore, transport: httpx.BaseTransport | None = None) -> None:
        self.clock = FakeClock()
        self.oauth = OAuthEmulator(access_ttl=600)
        self.sandbox = Sandbox("exact", clock=self.clock, oauth=self.oauth)
        self.sandbox.add_route("GET", "/me", lambda request: {"ok": True})
        self.store = store
        self.store.save("shop", self.oauth.grant())
        self.transport = transport or self.sandbox.transport()

    def client(self) -> httpx.Client:
        common = {
            "system": "exact",
            "base_url": self.sandbox.base_url,
            "transport": self.transport,
            "clock": self.clock,
            "rate_limiter": MemoryRateLimiter(clock=self.clock),
            "retry": RetryPolicy(attempts=2, seed=0),
        }
        token_client = build_client(**common)  # type: ignore[arg-type]
        auth = OAuth2Auth(CONFIG, self.store, "shop", token_client=token_client, clock=self.clock)
        return build_client(auth=auth, **common)  # type: ignore[arg-type]


def test_auth_header_api_key_and_bearer() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(handler)
    with httpx.Client(transport=transport, auth=ApiKeyAuth("k1")) as client:
        client.get("https://x.invalid/a")
    with httpx.Client(transport=transport, auth=ApiKeyAuth("k2", query="apikey")) as client:
        client.get("https://x.invalid/a")
    with httpx.Client(transport=transport, auth=BearerAuth("t3")) as client:
        client.get("https://x.invalid/a")
    assert seen[0].headers["x-api-key"] == "k1"
    assert seen[1].url.params["apikey"] == "k2"
    assert seen[2].headers["authorization"] == "Bearer t3"
    with pytest.raises(ConfigurationError, match="API key is empty"):
        ApiKeyAuth("")


def test_auth_a_token_scheme_of_a_vendor_is_the_plugins_header() -> None:
    # Core knows no vendor's token format (AFAS's AfasToken is the AFAS plugin's):
    # a plugin builds the value and hands it to HeaderAuth.
    assert not [name for name in koppel.http.__all__ if "afas" in name.lower()]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    auth = HeaderAuth({"Authorization": "VendorToken dG9rZW4="})
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        client.get("https://x.invalid/a")
    assert seen[0].headers["authorization"] == "VendorToken dG9rZW4="


def test_auth_authorization_url_and_redirect_code() -> None:
    url, state = authorization_url(CONFIG)
    params = httpx.URL(url).params
    assert params["client_id"] == "sandbox-client" and params["response_type"] == "code"
    assert params["redirect_uri"] == CONFIG.redirect_uri and params["state"] == state
    redirect = f"{CONFIG.redirect_uri}?code=abc&state={state}"
    assert code_from_redirect(redirect, state=state) == "abc"
    assert code_from_redirect("abc") == "abc"
    with pytest.raises(AuthError, match="state does not match"):
        code_from_redirect(f"{CONFIG.redirect_uri}?code=abc&state=other", state=state)
    with pytest.raises(AuthError, match="refused the authorisation: denied"):
        code_from_redirect("http://x/cb?error=access_denied&error_description=denied")


def test_auth_exchange_code_with_sandbox() -> None:
    world = World(MemoryTokenStore())
    code = world.oauth.issue_code()
    with world.client() as client:
        token = exchange_code(CONFIG, code, client=client, clock=world.clock)
        assert token.expires_at == datetime.fromtimestamp(world.clock.now() + 600, UTC)
        with pytest.raises(AuthError, match="authorization code unknown or used"):
            exchange_code(CONFIG, code, client=client, clock=world.clock)


def test_auth_token_endpoint_unreachable_is_a_koppel_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(TransientError, match="token endpoint did not answer"):
        exchange_code(CONFIG, "code-1", client=client)


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_auth_eight_threads_expiring_token_refresh_once(kind: str, tmp_path: Path) -> None:
    store: TokenStore = (
        MemoryTokenStore() if kind == "memory" else FileTokenStore(tmp_path / "t.json")
    )
    world = World(store)
    client = world.client()
    assert client.get("/me").status_code == 200
    world.clock.advance(700)  # the access token has expired
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def work() -> None:
        barrier.wait()
        for _ in range(3):
            statuses.append(client.get("/me").status_code)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 24
    assert world.oauth.refreshes == 1


def test_auth_eight_threads_separate_clients_refresh_once() -> None:
    world = World(MemoryTokenStore())
    world.clock.advance(700)
    clients = [world.client() for _ in range(8)]  # e.g. eight workers, one store
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def work(client: httpx.Client) -> None:
        barrier.wait()
        statuses.append(client.get("/me").status_code)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8
    assert world.oauth.refreshes == 1


def test_auth_401_refreshes_once_and_retries_once() -> None:
    world = World(MemoryTokenStore())
    client = world.client()
    assert client.get("/me").status_code == 200
    world.oauth.expire_access_tokens()  # revoked server-side before its expiry
    assert client.get("/me").status_code == 200
    assert world.oauth.refreshes == 1
    assert world.sandbox.count("GET", "/me") == 3


def test_auth_401_after_refresh_is_not_retried_again() -> None:
    world = World(MemoryTokenStore())
    world.sandbox.add_route("GET", "/forbidden", lambda request: (401, {"message": "no"}))
    assert world.client().get("/forbidden").status_code == 401
    assert world.oauth.refreshes == 1
    assert world.sandbox.count("GET", "/forbidden") == 2


class RacedStore(MemoryTokenStore):
    """Answers one refresh with a token another worker stored, which a third worker has
    already replaced (the server took it back) before this worker's retry."""

    stale: OAuthToken | None = None

    def refresh(self, key: str, seen: OAuthToken | None, exchange: Any) -> OAuthToken:
        if self.stale is not None:
            stale, self.stale = self.stale, None
            self.save(key, stale)
            return stale
        return super().refresh(key, seen, exchange)


def test_auth_401_with_a_token_another_worker_stored_is_refreshed_once_more() -> None:
    store = RacedStore()
    world = World(store)
    client = world.client()
    assert client.get("/me").status_code == 200
    store.stale = world.oauth.grant()  # stored by another worker, then replaced
    world.oauth.expire_access_tokens()  # the server takes back every token given so far

    assert client.get("/me").status_code == 200
    assert world.oauth.refreshes == 1  # this worker's own refresh, after the stale token
    assert world.sandbox.count("GET", "/me") == 4  # ok, 401, 401 with the stale one, ok


def test_auth_failing_refresh_says_run_koppel_auth() -> None:
    world = World(MemoryTokenStore())
    token = world.store.load("shop")
    assert token is not None
    spent = OAuthToken("at-old", "rt-spent", token.expires_at - timedelta(hours=1))
    world.store.save("shop", spent)
    with pytest.raises(AuthError, match=r"refresh token unknown or already used.*koppel auth shop"):
        world.client().get("/me")


class Crash(BaseException):
    """The process dies here."""


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_auth_crash_after_token_endpoint_answered_is_reported(kind: str, tmp_path: Path) -> None:
    store: TokenStore = (
        MemoryTokenStore() if kind == "memory" else FileTokenStore(tmp_path / "t.json")
    )
    crash = {"armed": True}
    holder: list[World] = []

    def handler(request: httpx.Request) -> httpx.Response:
        response = holder[0].sandbox.handle(request)
        if request.url.path == "/oauth2/token" and crash["armed"]:
            raise Crash  # answered (refresh token spent), new token never stored
        return response

    world = World(store, transport=httpx.MockTransport(handler))
    holder.append(world)
    world.clock.advance(700)
    with pytest.raises(Crash):
        world.client().get("/me")
    assert world.oauth.refreshes == 1 and len(world.oauth.spent) == 1
    crash["armed"] = False
    with pytest.raises(AuthError, match=r"interrupted.*may be spent.*koppel auth shop"):
        world.client().get("/me")
    # the operator runs `koppel auth shop`: a new grant replaces the mark
    store.save("shop", world.oauth.grant())
    assert world.client().get("/me").status_code == 200
