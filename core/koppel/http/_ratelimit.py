"""Proactive rate limiting per (system, tenant), corrected by the API's own headers.

:class:`RateLimiter` is the interface the client uses; :class:`MemoryRateLimiter`
keeps its state in this process. A limiter shared by several workers (through
PostgreSQL) implements the same three methods.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Mapping
from typing import Literal, Protocol

import attrs

from koppel.errors import DayBudgetSpentError, RateLimitedError
from koppel.http._clock import SYSTEM_CLOCK, Clock

__all__ = [
    "MemoryRateLimiter",
    "RateLimit",
    "RateLimitHeaders",
    "RateLimiter",
]

MINUTE = 60.0
DAY = 86_400.0


@attrs.frozen(kw_only=True)
class RateLimitHeaders:
    """Names of the headers in which an API reports its remaining budget.

    An API reports a short (``minute_*``) and a long (``day_*``) budget, each a
    remaining count and the moment it resets, in ``reset_unit``: seconds from
    now, or epoch seconds or milliseconds. The defaults are the fields of the
    IETF draft (draft-ietf-httpapi-ratelimit-headers, revisions 00 to 06):
    ``RateLimit-Remaining`` and ``RateLimit-Reset`` in seconds from now, for
    whichever limit is closest to running out, read as the short budget. An API
    that names its headers otherwise gives the names in its plugin.
    """

    minute_remaining: str | None = "RateLimit-Remaining"
    minute_reset: str | None = "RateLimit-Reset"
    day_remaining: str | None = None
    day_reset: str | None = None
    reset_unit: Literal["epoch_ms", "epoch_s", "seconds"] = "seconds"

    def read(self, headers: Mapping[str, str], *, now: float) -> dict[float, tuple[int, float]]:
        """The budgets ``headers`` report: window length -> (remaining, reset moment)."""
        found: dict[float, tuple[int, float]] = {}
        pairs = (
            (MINUTE, self.minute_remaining, self.minute_reset),
            (DAY, self.day_remaining, self.day_reset),
        )
        for window, remaining_name, reset_name in pairs:
            if not remaining_name or remaining_name not in headers:
                continue
            try:
                remaining = int(float(headers[remaining_name]))
                raw_reset = headers.get(reset_name) if reset_name else None
                reset = self._moment(float(raw_reset), now) if raw_reset else now + window
            except (ValueError, OverflowError):  # not a number, or infinite
                continue
            if not math.isfinite(reset):
                continue
            found[window] = (remaining, reset)
        return found

    def _moment(self, value: float, now: float) -> float:
        if self.reset_unit == "epoch_ms":
            return value / 1000.0
        if self.reset_unit == "epoch_s":
            return value
        return now + value


@attrs.frozen(kw_only=True)
class RateLimit:
    """A system's limits: calls per minute and per day, and where it reports its budget.

    :param per_minute: calls allowed in any 60 seconds, or None.
    :param per_day: calls allowed in any 24 hours, or None.
    :param headers: how to read the remaining budget from responses, or None.
    :param max_wait: longest wait for budget in seconds; a longer one raises
        :class:`RateLimitedError` so the run can stop instead of hanging.
    """

    per_minute: int | None = None
    per_day: int | None = None
    headers: RateLimitHeaders | None = attrs.field(factory=RateLimitHeaders)
    max_wait: float = 90.0


class RateLimiter(Protocol):
    """Grants calls to (system, tenant) within its limits."""

    def acquire(self, system: str, tenant: str) -> float:
        """Block until one more call is allowed; return the seconds waited.

        :raises RateLimitedError: when the wait would exceed the limit's ``max_wait``;
            :class:`DayBudgetSpentError` when the day budget is what is spent.
        """
        ...

    def observe(self, system: str, tenant: str, headers: Mapping[str, str]) -> None:
        """Correct the budget from a response's rate-limit headers."""
        ...

    def remaining(self, system: str, tenant: str) -> int | None:
        """The smallest known remaining budget, or None when unknown/unlimited."""
        ...


class _Budget:
    """One (system, tenant)'s call log and header-reported budgets."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self.windows: list[tuple[float, int, deque[float]]] = [
            (seconds, count, deque())
            for seconds, count in ((MINUTE, limit.per_minute), (DAY, limit.per_day))
            if count is not None
        ]
        self.reported: dict[float, tuple[int, float]] = {}
        #: The last reset moment the API reported per window, also once it passed.
        self.resets: dict[float, float] = {}

    def wait_for(self, now: float) -> tuple[float, bool]:
        """Seconds until one more call is allowed, and whether the day budget is the cause.

        The log is a sliding window, unless the API reported when its window resets:
        then calls before the window's start no longer count (an API with a fixed day
        from midnight to midnight gives its full budget again after midnight).
        """
        waits = {MINUTE: 0.0, DAY: 0.0}
        for seconds, count, log in self.windows:
            reset = self.resets.get(seconds)
            start = window_start(reset, seconds, now)
            while log and (log[0] <= now - seconds or log[0] < start):
                log.popleft()
            if len(log) >= count:
                until = log[0] + seconds
                if reset is not None and reset > now:
                    until = min(until, reset)
                waits[seconds] = max(waits[seconds], until - now)
        for window, (remaining, reset) in list(self.reported.items()):
            if reset <= now:
                del self.reported[window]
            elif remaining <= 0:
                waits[window] = max(waits[window], reset - now)
        return max(waits.values()), waits[DAY] > 0 and waits[DAY] >= waits[MINUTE]

    def take(self, now: float) -> None:
        for _seconds, _count, log in self.windows:
            log.append(now)
        for window, (remaining, reset) in self.reported.items():
            self.reported[window] = (remaining - 1, reset)

    def observe(self, reported: dict[float, tuple[int, float]]) -> None:
        for window, (remaining, reset) in reported.items():
            self.resets[window] = reset
            known = self.reported.get(window)
            if known is not None and abs(known[1] - reset) < 1.0:
                # Same window: in-flight calls may not be counted in the header yet.
                remaining = min(remaining, known[0])
            self.reported[window] = (remaining, reset)

    def remaining(self, now: float) -> int | None:
        values = [count - len(log) for _s, count, log in self.windows]
        values += [r for r, reset in self.reported.values() if reset > now]
        return min(values) if values else None


#: Seconds a granted call may take to reach the API: calls granted this shortly before
#: the API's window began still count in it, since they may have arrived inside it.
IN_FLIGHT = 2.0


def window_start(reset: float | None, seconds: float, now: float) -> float:
    """From when calls count in the API's current window of ``seconds``, given the last
    reset moment it reported (-inf when it reported none): the window's start, less
    :data:`IN_FLIGHT` seconds."""
    if reset is None:
        return -math.inf
    return (reset if reset <= now else reset - seconds) - IN_FLIGHT


class MemoryRateLimiter:
    """A rate limiter for one process, safe across threads.

    Keeps a sliding log of calls per window, which never exceeds a fixed-window
    limit on the server, and defers to the budget the API reports.

    :param limits: the limit per system name; systems not listed are not limited
        except by their headers (read with ``default``).
    :param clock: time source (a :class:`FakeClock` in tests).
    """

    def __init__(
        self,
        limits: Mapping[str, RateLimit] | None = None,
        *,
        default: RateLimit | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.limits = dict(limits or {})
        self.default = default or RateLimit()
        self.clock = clock
        self._budgets: dict[tuple[str, str], _Budget] = {}
        self._lock = threading.Lock()

    def _budget(self, system: str, tenant: str) -> _Budget:
        budget = self._budgets.get((system, tenant))
        if budget is None:
            limit = self.limits.get(system, self.default)
            budget = self._budgets[(system, tenant)] = _Budget(limit)
        return budget

    def acquire(self, system: str, tenant: str) -> float:
        waited = 0.0
        while True:
            with self._lock:
                budget = self._budget(system, tenant)
                now = self.clock.now()
                wait, day = budget.wait_for(now)
                if wait <= 0:
                    budget.take(now)
                    return waited
                if waited + wait > budget.limit.max_wait:
                    spent = DayBudgetSpentError if day else RateLimitedError
                    raise spent(
                        f"rate limit spent{' for the day' if day else ''}; next call allowed in "
                        f"{wait:.0f} s",
                        retry_after=wait,
                        **({"resume_at": now + wait} if day else {}),
                        system=system,
                        tenant=tenant,
                    )
            self.clock.sleep(wait)
            waited += wait

    def observe(self, system: str, tenant: str, headers: Mapping[str, str]) -> None:
        with self._lock:
            budget = self._budget(system, tenant)
            if budget.limit.headers is not None:
                budget.observe(budget.limit.headers.read(headers, now=self.clock.now()))

    def remaining(self, system: str, tenant: str) -> int | None:
        with self._lock:
            return self._budget(system, tenant).remaining(self.clock.now())
