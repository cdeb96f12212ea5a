"""One log line per request; secrets in headers, query strings and bodies redacted."""

from __future__ import annotations

import json

import httpx
from structlog.testing import capture_logs

from koppel.http import (
    ApiKeyAuth,
    FakeClock,
    MemoryRateLimiter,
    RateLimit,
    build_client,
    redacted_body,
    redacted_headers,
    redacted_target,
)
from koppel.log import REDACTED
from koppel.sandbox import Sandbox, SandboxRateLimit


def test_logging_one_line_per_request_with_budget_and_no_secret() -> None:
    clock = FakeClock()
    box = Sandbox("exact", clock=clock, rate_limit=SandboxRateLimit(per_minute=60))
    box.add_route("POST", "/login", lambda request: {"ok": True})
    client = build_client(
        system="exact",
        base_url=box.base_url,
        transport=box.transport(),
        auth=ApiKeyAuth("s3cr3t-key", query="api_key"),
        rate_limiter=MemoryRateLimiter({"exact": RateLimit(per_minute=60)}, clock=clock),
        clock=clock,
    )
    with capture_logs() as logs:
        client.post("/login", json={"username": "ann", "password": "hunter2"})
        client.post("/login", data={"client_secret": "cs-1", "grant_type": "x"})
    lines = [e for e in logs if e["event"] == "http request"]
    assert len(lines) == 2
    first = lines[0]
    assert first["method"] == "POST" and first["status"] == 200
    assert first["path"] == f"/login?api_key={REDACTED}"
    assert first["remaining"] == 59 and first["duration_ms"] >= 0
    dumped = json.dumps(logs, default=str)
    for secret in ("s3cr3t-key", "hunter2", "cs-1"):
        assert secret not in dumped
    bodies = [e["body"] for e in logs if e["event"] == "http request body"]
    assert bodies == [
        {"username": "ann", "password": REDACTED},
        {"client_secret": REDACTED, "grant_type": "x"},
    ]


def test_logging_redaction_helpers() -> None:
    url = httpx.URL("https://x.invalid/p?refresh_token=abc&page=2")
    assert redacted_target(url) == f"/p?refresh_token={REDACTED}&page=2"
    headers = httpx.Headers({"Authorization": "Bearer x", "X-Api-Key": "k", "Accept": "a"})
    assert redacted_headers(headers) == {
        "authorization": REDACTED,
        "x-api-key": REDACTED,
        "accept": "a",
    }
    assert redacted_body(b"\x00\x01", "application/octet-stream").startswith("<2 bytes")


def test_logging_credentials_named_plainly_are_redacted() -> None:
    url = httpx.URL("https://x.invalid/p?key=AIza-123&sig=abc&page=2")
    assert redacted_target(url) == f"/p?key={REDACTED}&sig={REDACTED}&page=2"
    form = b"grant_type=authorization_code&code=c-123&code_verifier=v-456"
    assert redacted_body(form, "application/x-www-form-urlencoded") == {
        "grant_type": "authorization_code",
        "code": REDACTED,
        "code_verifier": REDACTED,
    }


def test_logging_api_key_in_a_custom_query_parameter_is_redacted() -> None:
    box = Sandbox("custom")
    box.add_route("GET", "/items", lambda request: [])
    client = build_client(
        system="custom",
        base_url=box.base_url,
        transport=box.transport(),
        auth=ApiKeyAuth("s3cr3t-key", query="access"),
    )
    with capture_logs() as logs:
        client.get("/items", params={"page": 1})
    assert [e["path"] for e in logs] == [f"/items?page=1&access={REDACTED}"]
