"""Rate limits and faults a sandbox applies, as a real API would."""

from __future__ import annotations

import math
import random
import threading
from collections import deque

import attrs
import httpx

from koppel.http import RateLimitHeaders

__all__ = ["FAULT_KINDS", "Faults", "SandboxRateLimit"]

#: Every fault a sandbox can inject.
FAULT_KINDS: tuple[str, ...] = (
    "500",
    "502",
    "503",
    "504",
    "reset",
    "refused",
    "timeout",
    "malformed",
)

#: Faults that only strike before the route runs: a refused connection never arrived,
#: and a client may safely send it again.
BEFORE_HANDLER_KINDS: frozenset[str] = frozenset({"refused"})


@attrs.define(kw_only=True)
class SandboxRateLimit:
    """Fixed per-minute and per-day windows answered with the API's own headers and 429s."""

    per_minute: int | None = None
    per_day: int | None = None
    headers: RateLimitHeaders = attrs.field(factory=RateLimitHeaders)
    rejected: int = 0
    _counts: dict[tuple[str, int], int] = attrs.field(factory=dict, init=False)

    def check(self, now: float) -> tuple[bool, dict[str, str]]:
        """Count one call at ``now``; (allowed, headers to answer with)."""
        allowed = True
        headers: dict[str, str] = {}
        windows = (
            (
                "minute",
                60,
                self.per_minute,
                self.headers.minute_remaining,
                self.headers.minute_reset,
            ),
            ("day", 86_400, self.per_day, self.headers.day_remaining, self.headers.day_reset),
        )
        retry_after = 0.0
        for name, seconds, limit, remaining_name, reset_name in windows:
            if limit is None:
                continue
            index = int(now // seconds)
            reset = (index + 1) * seconds
            used = self._counts.get((name, index), 0)
            if used >= limit:
                allowed = False
                retry_after = max(retry_after, reset - now)
            if remaining_name:
                headers[remaining_name] = str(max(limit - used - 1, 0) if used < limit else 0)
                if "Remaining" in remaining_name:
                    headers[remaining_name.replace("Remaining", "Limit")] = str(limit)
            if reset_name:
                headers[reset_name] = self._format_reset(reset, now)
        if allowed:
            for name, seconds, limit, *_ in windows:
                if limit is not None:
                    key = (name, int(now // seconds))
                    self._counts[key] = self._counts.get(key, 0) + 1
        else:
            self.rejected += 1
            headers["Retry-After"] = str(max(math.ceil(retry_after), 1))
        return allowed, headers

    def _format_reset(self, reset: float, now: float) -> str:
        if self.headers.reset_unit == "epoch_ms":
            return str(int(reset * 1000))
        if self.headers.reset_unit == "epoch_s":
            return str(int(reset))
        return str(math.ceil(reset - now))


@attrs.define(kw_only=True)
class Faults:
    """Faults injected at ``rate`` (0..1) with a seed, plus queued one-off faults.

    ``after_handler`` decides whether a random connection fault strikes after
    the route ran (the write happened; the client cannot know) or before. A
    refused connection always strikes before: the request never arrived.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = ("500", "503", "reset", "timeout", "malformed")
    seed: int = 0
    after_handler: bool = False
    _rng: random.Random = attrs.field(init=False)
    _queued: deque[tuple[str, bool]] = attrs.field(factory=deque, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def __attrs_post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("Faults.rate must be between 0 and 1")
        self._rng = random.Random(self.seed)

    def inject(self, kind: str, *, times: int = 1, after_handler: bool = False) -> None:
        """Make the next ``times`` calls fail with ``kind``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {FAULT_KINDS}")
        if after_handler and kind in BEFORE_HANDLER_KINDS:
            raise ValueError(f"a {kind!r} fault cannot strike after the route ran")
        with self._lock:
            self._queued.extend([(kind, after_handler)] * times)

    def draw(self) -> tuple[str, bool] | None:
        """The fault for this call, if any: (kind, strikes after the handler)."""
        with self._lock:
            if self._queued:
                return self._queued.popleft()
            if self.rate and self._rng.random() < self.rate:
                kind = self._rng.choice(self.kinds)
                return kind, self.after_handler and kind not in BEFORE_HANDLER_KINDS
            return None


def fault_response(kind: str, request: httpx.Request) -> httpx.Response:
    """The response, or raised transport error, that fault ``kind`` stands for."""
    if kind in ("500", "502", "503", "504"):
        status = int(kind)
        body = {"error": {"message": {"value": f"sandbox fault: HTTP {status}"}}}
        return httpx.Response(status, json=body)
    if kind == "reset":
        raise httpx.ReadError("sandbox fault: connection reset by peer", request=request)
    if kind == "refused":
        raise httpx.ConnectError("sandbox fault: connection refused", request=request)
    if kind == "timeout":
        raise httpx.ReadTimeout("sandbox fault: read timed out", request=request)
    return httpx.Response(
        200, content=b'{"d": {"results": [{"ID": ', headers={"Content-Type": "application/json"}
    )
