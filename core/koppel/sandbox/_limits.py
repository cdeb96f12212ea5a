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
    "truncated",
    "429",
)

#: Faults that only strike before the route runs: a refused connection never arrived,
#: and a 429 says the call was not handled; a client may safely send either again.
BEFORE_HANDLER_KINDS: frozenset[str] = frozenset({"refused", "429"})


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

    def spent_headers(self, now: float, retry_after: float) -> dict[str, str]:
        """The budget headers of a minute that is spent until ``now + retry_after``."""
        names = self.headers
        headers: dict[str, str] = {}
        if names.minute_remaining:
            headers[names.minute_remaining] = "0"
            if "Remaining" in names.minute_remaining and self.per_minute is not None:
                limit_name = names.minute_remaining.replace("Remaining", "Limit")
                headers[limit_name] = str(self.per_minute)
        if names.minute_reset:
            headers[names.minute_reset] = self._format_reset(now + retry_after, now)
        return headers

    def _format_reset(self, reset: float, now: float) -> str:
        if self.headers.reset_unit == "epoch_ms":
            return str(int(reset * 1000))
        if self.headers.reset_unit == "epoch_s":
            return str(int(reset))
        return str(math.ceil(reset - now))


@attrs.define(kw_only=True)
class Faults:
    """Faults injected at ``rate`` (0..1) with a seed, plus queued one-off faults.

    ``after_handler`` is the share (0..1; ``True`` is all) of random faults that
    strike after the route ran (the write happened; the client cannot know)
    rather than before. A refused connection and a ``429`` always strike before:
    the request never arrived, or was not handled. ``retry_after`` is the wait,
    in seconds, that a ``429`` fault asks for.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = ("500", "503", "reset", "timeout", "malformed")
    seed: int = 0
    after_handler: float = attrs.field(default=0.0, converter=float)
    retry_after: int = 1
    _rng: random.Random = attrs.field(init=False)
    _queued: deque[tuple[str, bool]] = attrs.field(factory=deque, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def __attrs_post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("Faults.rate must be between 0 and 1")
        if not 0.0 <= self.after_handler <= 1.0:
            raise ValueError("Faults.after_handler must be between 0 and 1")
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
                return kind, kind not in BEFORE_HANDLER_KINDS and self._strikes_after()
            return None

    def reset(self) -> None:
        """Forget the faults queued with :meth:`inject`."""
        with self._lock:
            self._queued.clear()

    def _strikes_after(self) -> bool:
        share = self.after_handler
        return share >= 1.0 or (share > 0.0 and self._rng.random() < share)


def fault_response(
    kind: str, request: httpx.Request, answer: httpx.Response | None = None
) -> httpx.Response:
    """The response, or raised transport error, that fault ``kind`` stands for.

    ``malformed`` is a 200 whose body is not JSON at all, ``truncated`` one whose
    JSON stops half-way: ``answer``'s, the route's own, when it ran. A ``429`` is
    the sandbox's own (:meth:`koppel.sandbox.Sandbox.rate_limited`).
    """
    if kind in ("500", "502", "503", "504"):
        status = int(kind)
        body = {"title": httpx.codes.get_reason_phrase(status), "status": status}
        return httpx.Response(
            status, json=body, headers={"Content-Type": "application/problem+json"}
        )
    if kind == "reset":
        raise httpx.ReadError("sandbox fault: connection reset by peer", request=request)
    if kind == "refused":
        raise httpx.ConnectError("sandbox fault: connection refused", request=request)
    if kind == "timeout":
        raise httpx.ReadTimeout("sandbox fault: read timed out", request=request)
    if kind == "malformed":
        content = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    else:
        whole = answer.read() if answer is not None else b""
        content = whole[: len(whole) // 2] if len(whole) > 1 else b'{"results": [{"id": '
    return httpx.Response(200, content=content, headers={"Content-Type": "application/json"})
