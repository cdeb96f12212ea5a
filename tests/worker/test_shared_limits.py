"""API budgets shared through the state store: several processes stay within one limit,
and a spent day budget pauses a run instead of failing its records."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from koppel.errors import DayBudgetSpentError, FatalError, RateLimitedError
from koppel.http import FakeClock, RateLimit, RateLimitHeaders, SharedRateLimiter
from koppel.http._ratelimit import MemoryRateLimiter
from koppel.testing import StateTarget

#: One process's share of the test below: take calls until the budget refuses one.
_CALLER = """
import json, sys, time
from pathlib import Path
from koppel.errors import RateLimitedError
from koppel.http import RateLimit
from koppel.http import SharedRateLimiter
from koppel.state import open_state

url, schema, go = sys.argv[1], sys.argv[2] or None, Path(sys.argv[3])
with open_state(url, schema=schema) as store:
    limiter = SharedRateLimiter(
        store, {"exact-online": RateLimit(per_minute=25, per_day=40, max_wait=0.5)}
    )
    while not go.exists():
        time.sleep(0.005)
    granted, refusal = [], None
    for _ in range(30):
        try:
            limiter.acquire("exact-online", "division-1")
        except RateLimitedError as exc:
            refusal = type(exc).__name__
            break
        granted.append(time.time())
    print(json.dumps({"granted": granted, "refusal": refusal}))
"""


def test_four_processes_together_stay_within_the_minute_and_the_day(
    target: StateTarget, tmp_path: Path
) -> None:
    target.open().close()  # migrated once, before the callers start
    go = tmp_path / "go"
    callers = [
        subprocess.Popen(
            [sys.executable, "-c", _CALLER, target.url, target.schema or "", str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    time.sleep(1.0)
    go.touch()
    answers = []
    for caller in callers:
        out, err = caller.communicate(timeout=120)
        assert caller.returncode == 0, err
        answers.append(json.loads(out))
    granted = sorted(t for answer in answers for t in answer["granted"])
    # 25 a minute: the 26th waits longer than max_wait, so every caller stops at the minute
    assert len(granted) == 25
    assert {answer["refusal"] for answer in answers} == {"RateLimitedError"}
    with target.open() as store:
        assert store.calls_granted("exact-online", "division-1", since=0) == 25


def test_a_spent_day_budget_raises_day_budget_spent_with_the_reset(target: StateTarget) -> None:
    clock = FakeClock()
    with target.open() as store:
        limiter = SharedRateLimiter(
            store, {"x": RateLimit(per_minute=3, per_day=5, headers=None)}, clock=clock
        )
        waited = [limiter.acquire("x", "t") for _ in range(5)]
        assert waited[:3] == [0, 0, 0] and waited[3] == pytest.approx(60, abs=1.5)
        with pytest.raises(DayBudgetSpentError) as info:
            limiter.acquire("x", "t")
        first = clock.now() - sum(clock.slept) - 0  # the first call's moment
        assert info.value.resume_at == pytest.approx(first + 86_400, abs=1.5)
        assert isinstance(info.value, FatalError)  # the run pauses: nothing retries it
        assert limiter.remaining("x", "t") == 0
        assert limiter.acquire("y", "t") == 0  # other systems are not limited by it


def test_a_reported_spent_day_budget_pauses_until_the_reported_reset(target: StateTarget) -> None:
    clock = FakeClock(start=1000.0)
    limit = RateLimit(
        per_minute=60,
        headers=RateLimitHeaders(
            minute_remaining=None, minute_reset=None, day_remaining="Left", day_reset="Reset"
        ),
    )
    with target.open() as store:
        one = SharedRateLimiter(store, {"x": limit}, clock=clock)
        other = SharedRateLimiter(store, {"x": limit}, clock=clock)
        one.acquire("x", "t")
        one.observe("x", "t", {"Left": "0", "Reset": "5000"})
        with pytest.raises(DayBudgetSpentError) as info:
            other.acquire("x", "t")  # the other worker knows what the first one was told
        assert info.value.resume_at == pytest.approx(1000 + 5000)


def test_the_memory_limiter_tells_a_spent_day_from_a_spent_minute() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(
        {"x": RateLimit(per_minute=2, per_day=3, headers=None, max_wait=30)}, clock=clock
    )
    limiter.acquire("x", "t")
    limiter.acquire("x", "t")
    with pytest.raises(RateLimitedError) as minute:
        limiter.acquire("x", "t")
    assert not isinstance(minute.value, DayBudgetSpentError)
    clock.advance(61)
    limiter.acquire("x", "t")
    with pytest.raises(DayBudgetSpentError) as day:
        limiter.acquire("x", "t")
    assert day.value.resume_at == pytest.approx(clock.now() - 61 + 86_400)


def test_a_day_the_api_resets_at_a_fixed_moment_gives_its_full_budget_after_it(
    target: StateTarget,
) -> None:
    clock = FakeClock(start=10_000.0)
    names = RateLimitHeaders(
        minute_remaining=None,
        minute_reset=None,
        day_remaining="Left",
        day_reset="Reset",
        reset_unit="epoch_s",
    )
    limit = RateLimit(per_day=3, headers=names, max_wait=30)
    with target.open() as store:
        limiter = SharedRateLimiter(store, {"x": limit}, clock=clock)
        for left in (2, 1, 0):
            limiter.acquire("x", "t")
            limiter.observe("x", "t", {"Left": str(left), "Reset": "10600"})  # midnight
        with pytest.raises(DayBudgetSpentError) as info:
            limiter.acquire("x", "t")
        assert info.value.resume_at == pytest.approx(10_600)  # not 24 h after the first call
        clock.advance(600)
        assert limiter.acquire("x", "t") == 0  # a new day: the old day's calls count no more


def test_calls_granted_just_before_the_api_window_began_count_in_it(target: StateTarget) -> None:
    # A call granted at 59.5 s may reach the API after its minute turned: the API then
    # counts it in the new minute, so the limiter does too (found by the many-workers test,
    # whose sandbox refused a 61st call in a minute).
    clock = FakeClock(start=6_000.0)
    names = RateLimitHeaders(
        minute_remaining="Left", minute_reset="Reset", day_remaining=None, day_reset=None,
        reset_unit="epoch_s",
    )  # fmt: skip
    limit = RateLimit(per_minute=3, headers=names, max_wait=120)
    with target.open() as store:
        limiter = SharedRateLimiter(store, {"x": limit}, clock=clock)
        limiter.acquire("x", "t")
        limiter.observe("x", "t", {"Left": "2", "Reset": "6060"})
        clock.advance(59.5)
        limiter.acquire("x", "t")  # granted in the old minute, counted by the API in the new
        clock.advance(0.7)  # 6060.2: the API's new minute
        limiter.observe("x", "t", {"Left": "2", "Reset": "6120"})
        assert [limiter.acquire("x", "t") for _ in range(2)] == [0, 0]
        waited = limiter.acquire("x", "t")  # the fourth in the API's minute would be refused
        assert waited > 0


def test_koppel_run_on_postgresql_shares_the_budgets_with_the_workers(target: StateTarget) -> None:
    """While the run lasts: the process's limiter is the one it had before afterwards."""
    from koppel.cli.run import shared_api_budgets
    from koppel.http import default_rate_limiter

    before = default_rate_limiter()
    with target.open() as store, shared_api_budgets(store):
        shared = isinstance(default_rate_limiter(), SharedRateLimiter)
    assert shared == (store.dialect == "postgresql")  # SQLite: one process, its own
    assert default_rate_limiter() is before
