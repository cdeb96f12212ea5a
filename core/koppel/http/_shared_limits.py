"""A rate limiter whose budgets live in a shared ledger (the state store), for workers.

Why not pyrate-limiter's PostgreSQL bucket: koppel's budgets are corrected by the
API's own headers (the remaining count and reset moment Exact Online reports) and
must tell a spent day budget (pause until the reset) from a spent minute (wait);
a bucket of timestamps does neither. The ledger, one row lock per (system,
tenant) and a log of the calls of the last day, is a few queries in the state
store the workers share anyway, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from koppel.errors import DayBudgetSpentError, RateLimitedError
from koppel.http._clock import SYSTEM_CLOCK, Clock
from koppel.http._ratelimit import MemoryRateLimiter, RateLimit

__all__ = ["Ledger", "SharedRateLimiter"]


class Ledger(Protocol):
    """Where shared budgets are kept: :class:`koppel.state.StateStore` is one."""

    def take_call(
        self, system: str, tenant: str, *, now: float, per_minute: int | None, per_day: int | None
    ) -> _Grant: ...

    def report_budget(
        self, system: str, tenant: str, reported: Mapping[float, tuple[int, float]]
    ) -> None: ...

    def calls_granted(self, system: str, tenant: str, *, since: float) -> int: ...


class _Grant(Protocol):
    @property
    def wait(self) -> float: ...

    @property
    def day(self) -> bool: ...


class SharedRateLimiter(MemoryRateLimiter):
    """Grants calls through ``ledger``, so that every process on it stays within one budget.

    Limits are registered per system as on :class:`MemoryRateLimiter` (``build_client``
    does it); only the bookkeeping moves to the ledger.

    :raises DayBudgetSpentError: from :meth:`acquire` when the day budget is spent.
    """

    def __init__(
        self,
        ledger: Ledger,
        limits: Mapping[str, RateLimit] | None = None,
        *,
        default: RateLimit | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(limits, default=default, clock=clock)
        self.ledger = ledger

    def _limit(self, system: str) -> RateLimit:
        return self.limits.get(system, self.default)

    def acquire(self, system: str, tenant: str) -> float:
        limit = self._limit(system)
        waited = 0.0
        while True:
            now = self.clock.now()
            grant = self.ledger.take_call(
                system, tenant, now=now, per_minute=limit.per_minute, per_day=limit.per_day
            )
            if grant.wait <= 0:
                return waited
            if waited + grant.wait > limit.max_wait:
                spent = DayBudgetSpentError if grant.day else RateLimitedError
                raise spent(
                    f"rate limit spent{' for the day' if grant.day else ''}; next call allowed in "
                    f"{grant.wait:.0f} s",
                    retry_after=grant.wait,
                    **({"resume_at": now + grant.wait} if grant.day else {}),
                    system=system,
                    tenant=tenant,
                )
            # Short naps: another worker's calls may free nothing, but a reset may come early.
            nap = min(grant.wait, 1.0)
            self.clock.sleep(nap)
            waited += nap

    def observe(self, system: str, tenant: str, headers: Mapping[str, str]) -> None:
        names = self._limit(system).headers
        if names is not None:
            self.ledger.report_budget(system, tenant, names.read(headers, now=self.clock.now()))

    def remaining(self, system: str, tenant: str) -> int | None:
        limit = self._limit(system)
        now = self.clock.now()
        left = [
            count - self.ledger.calls_granted(system, tenant, since=now - seconds)
            for seconds, count in ((60.0, limit.per_minute), (86_400.0, limit.per_day))
            if count is not None
        ]
        return min(left) if left else None
