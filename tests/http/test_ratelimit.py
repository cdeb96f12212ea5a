"""Proactive rate limiting keyed by (system, tenant), corrected from response headers."""

from __future__ import annotations

import pytest

from koppel.errors import DayBudgetSpentError, FatalError
from koppel.http import (
    FakeClock,
    MemoryRateLimiter,
    RateLimit,
    RateLimitHeaders,
    RetryPolicy,
    build_client,
)
from koppel.sandbox import Sandbox, SandboxRateLimit


def limited_sandbox(clock: FakeClock, per_minute: int = 60, per_day: int | None = None) -> Sandbox:
    box = Sandbox(
        "exact", clock=clock, rate_limit=SandboxRateLimit(per_minute=per_minute, per_day=per_day)
    )
    box.add_route("GET", "/accounts", lambda request: {"d": {"results": []}})
    return box


def test_ratelimit_burst_of_200_never_draws_429() -> None:
    clock = FakeClock(start=1_714_564_830.5)  # mid-minute: windows do not line up
    box = limited_sandbox(clock)
    limiter = MemoryRateLimiter({"exact": RateLimit(per_minute=60)}, clock=clock)
    client = build_client(
        system="exact",
        base_url=box.base_url,
        transport=box.transport(),
        rate_limiter=limiter,
        clock=clock,
        retry=RetryPolicy(attempts=1),
    )
    statuses = [client.get("/accounts").status_code for _ in range(200)]
    assert statuses == [200] * 200
    assert box.rate_limit is not None and box.rate_limit.rejected == 0
    assert 120 <= clock.now() - 1_714_564_830.5 <= 240  # it waited, but not much more


def test_ratelimit_corrected_from_headers_when_limit_unknown() -> None:
    clock = FakeClock(start=1_714_564_800.0)
    box = limited_sandbox(clock, per_minute=10)
    limiter = MemoryRateLimiter(clock=clock)  # knows no numbers, only reads headers
    client = build_client(
        system="exact",
        base_url=box.base_url,
        transport=box.transport(),
        rate_limiter=limiter,
        clock=clock,
        retry=RetryPolicy(attempts=1),
    )
    statuses = [client.get("/accounts").status_code for _ in range(25)]
    assert statuses == [200] * 25
    assert box.rate_limit is not None and box.rate_limit.rejected == 0
    # 10 + 10 + 5 calls over three windows: it waited for two resets, and knows 5 are left
    assert clock.now() - 1_714_564_800.0 == 120.0
    assert limiter.remaining("exact", "default") == 5


def test_ratelimit_keys_are_per_tenant() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter({"exact": RateLimit(per_minute=2, headers=None)}, clock=clock)
    for _ in range(2):
        limiter.acquire("exact", "division-1")
        limiter.acquire("exact", "division-2")
    assert clock.slept == []
    assert limiter.acquire("exact", "division-1") == pytest.approx(60.0)
    assert limiter.acquire("other", "division-1") == 0.0


def test_ratelimit_daily_budget_spent_raises_instead_of_hanging() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter({"exact": RateLimit(per_day=3, max_wait=90)}, clock=clock)
    for _ in range(3):
        limiter.acquire("exact", "t")
    with pytest.raises(DayBudgetSpentError, match="rate limit spent for the day") as info:
        limiter.acquire("exact", "t")
    assert info.value.resume_at == pytest.approx(clock.now() + 86_400, rel=0.01)
    assert isinstance(info.value, FatalError)  # the run stops (pauses), nothing is retried


def test_ratelimit_default_headers_are_the_ietf_fields() -> None:
    # draft-ietf-httpapi-ratelimit-headers (-00 to -06): RateLimit-Limit, -Remaining and
    # -Reset, the reset in seconds from now, for the limit closest to running out.
    headers = {"RateLimit-Limit": "10", "RateLimit-Remaining": "5", "RateLimit-Reset": "12"}
    assert RateLimitHeaders().read(headers, now=100.0) == {60.0: (5, 112.0)}
    assert RateLimit().headers == RateLimitHeaders()
    vendor = {"X-RateLimit-Minutely-Remaining": "0", "X-RateLimit-Minutely-Reset": "1042000"}
    assert RateLimitHeaders().read(vendor, now=100.0) == {}
    clock = FakeClock(start=1000.0)
    limiter = MemoryRateLimiter({"x": RateLimit()}, clock=clock)
    limiter.observe("x", "t", {"RateLimit-Remaining": "0", "RateLimit-Reset": "42"})
    assert limiter.acquire("x", "t") == pytest.approx(42.0)


def test_ratelimit_headers_of_an_api_with_two_budgets_in_epoch_milliseconds() -> None:
    headers = RateLimitHeaders(
        minute_remaining="X-Minute-Left",
        minute_reset="X-Minute-Reset",
        day_remaining="X-Day-Left",
        day_reset="X-Day-Reset",
        reset_unit="epoch_ms",
    )
    clock = FakeClock(start=1000.0)
    limiter = MemoryRateLimiter({"x": RateLimit(headers=headers)}, clock=clock)
    limiter.observe(
        "x",
        "t",
        {"X-Minute-Left": "0", "X-Minute-Reset": "1042000", "X-Day-Left": "7"},
    )
    assert limiter.remaining("x", "t") == 0
    assert limiter.acquire("x", "t") == pytest.approx(42.0)
    assert limiter.remaining("x", "t") == 6


def test_ratelimit_headers_that_are_not_finite_are_ignored() -> None:
    clock = FakeClock(start=1000.0)
    limiter = MemoryRateLimiter({"x": RateLimit()}, clock=clock)
    limiter.observe("x", "t", {"RateLimit-Remaining": "inf"})
    limiter.observe("x", "t", {"RateLimit-Remaining": "0", "RateLimit-Reset": "inf"})
    assert limiter.acquire("x", "t") == 0.0
