"""Building the ``httpx.Client`` a connector talks to its API with."""

from __future__ import annotations

import os
import ssl
import threading
import weakref
from collections.abc import Mapping
from functools import cache
from typing import Any

import httpx

from koppel import __version__
from koppel.http._clock import SYSTEM_CLOCK, Clock, SystemClock
from koppel.http._errors import ErrorReader
from koppel.http._ratelimit import MemoryRateLimiter, RateLimit, RateLimiter
from koppel.http._retry import RetryPolicy
from koppel.http._transport import KoppelTransport, WaitHint
from koppel.log import get_logger

__all__ = ["USER_AGENT", "build_client", "default_rate_limiter", "set_default_rate_limiter"]

USER_AGENT = f"koppel/{__version__} (+https://github.com/koppel-dev/koppel)"

_default_limiter: RateLimiter = MemoryRateLimiter()
_clock_limiters: weakref.WeakKeyDictionary[Clock, MemoryRateLimiter] = weakref.WeakKeyDictionary()
_clock_limiters_lock = threading.Lock()


def _same_time(a: Clock, b: Clock) -> bool:
    return a is b or (isinstance(a, SystemClock) and isinstance(b, SystemClock))


def default_rate_limiter(clock: Clock | None = None) -> RateLimiter:
    """The limiter clients on ``clock`` share unless given one.

    On the limiter's own clock (the system clock unless replaced with
    :func:`set_default_rate_limiter`) that is the process-wide limiter. Clients
    on another clock (a :class:`FakeClock` in tests) share one limiter per
    clock that measures and waits on that clock, so that no test sleeps for real.
    """
    if clock is None or _same_time(clock, getattr(_default_limiter, "clock", SYSTEM_CLOCK)):
        return _default_limiter
    try:
        # The limiter holds the clock weakly, so that the entry goes with the clock.
        weak_clock: Clock = weakref.proxy(clock)
    except TypeError:  # a clock that cannot be referenced weakly gets a limiter of its own
        return MemoryRateLimiter(clock=clock)
    with _clock_limiters_lock:
        limiter = _clock_limiters.get(clock)
        if limiter is None:
            limiter = _clock_limiters[clock] = MemoryRateLimiter(clock=weak_clock)
        return limiter


def _ssl_context() -> ssl.SSLContext:
    """The TLS settings every client of the process verifies servers with: httpx's
    default (certifi's roots, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` as they are set
    now), built once per setting (it loads the CA bundle, tens of milliseconds) and
    shared, as an ``SSLContext`` may be."""
    return _ssl_context_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@cache
def _ssl_context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's context, which reads both variables itself: they only key the cache."""
    return httpx.create_ssl_context()


def set_default_rate_limiter(limiter: RateLimiter) -> None:
    """Replace the shared limiter, e.g. with one coordinated through PostgreSQL."""
    global _default_limiter
    _default_limiter = limiter


def build_client(
    *,
    system: str,
    base_url: str,
    tenant: str = "default",
    auth: httpx.Auth | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    rate_limit: RateLimit | None = None,
    rate_limiter: RateLimiter | None = None,
    wait_hint: WaitHint | None = None,
    error_message: ErrorReader | None = None,
    headers: Mapping[str, str] | None = None,
    clock: Clock = SYSTEM_CLOCK,
    max_connections: int = 10,
    logger: Any = None,
) -> httpx.Client:
    """An ``httpx.Client`` for one connection of ``system``.

    :param system: the system's name; with ``tenant`` it keys the rate limit.
    :param base_url: the API's root URL.
    :param tenant: the tenant, division or administration calls count against.
    :param auth: an ``httpx.Auth`` from :mod:`koppel.http` (API key, OAuth2, ...);
        applied on every attempt after the rate limiter's wait, never before it.
    :param transport: replaces the network, e.g. a sandbox's ``httpx.MockTransport``.
    :param timeout: seconds for reading and writing; connecting gets at most 10.
    :param retry: the retry policy (5 attempts, 2 minutes by default).
    :param rate_limit: the system's limits; registered in ``rate_limiter`` (or the
        shared limiter of ``clock``) unless the system has limits there already.
    :param rate_limiter: a limiter to use instead of :func:`default_rate_limiter`.
    :param wait_hint: seconds to wait before retrying a 429 or 5xx that has no
        ``Retry-After`` header, read from the response (e.g. from its message);
        None lets the retry policy's backoff decide.
    :param error_message: reads the API's own message from an error response
        (e.g. :func:`~koppel.http.message_at`), where the neutral places
        :func:`~koppel.http.api_message` knows do not hold it.
    :param headers: extra headers on every request.
    :param clock: time source for waits (a fake one in tests).
    :param max_connections: size of the connection pool.
    :param logger: the structlog logger for request lines (one bound to system and tenant).
    """
    limiter = rate_limiter if rate_limiter is not None else default_rate_limiter(clock)
    if rate_limit is not None and isinstance(limiter, MemoryRateLimiter):
        limiter.limits.setdefault(system, rate_limit)
    pool = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    inner = transport or httpx.HTTPTransport(verify=_ssl_context(), limits=pool, retries=0)
    wrapped = KoppelTransport(
        inner,
        system=system,
        tenant=tenant,
        retry=retry or RetryPolicy(),
        limiter=limiter,
        clock=clock,
        logger=logger or get_logger(system=system, tenant=tenant),
        auth=auth,
        wait_hint=wait_hint,
        error_message=error_message,
    )
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
    return httpx.Client(
        base_url=base_url,
        headers=all_headers,
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        transport=wrapped,
        follow_redirects=False,
    )
