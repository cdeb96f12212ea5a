"""Building the ``httpx.Client`` a connector talks to its API with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from koppel import __version__
from koppel.http._clock import SYSTEM_CLOCK, Clock
from koppel.http._ratelimit import MemoryRateLimiter, RateLimit, RateLimiter
from koppel.http._retry import RetryPolicy
from koppel.http._transport import KoppelTransport
from koppel.log import get_logger

__all__ = ["USER_AGENT", "build_client", "default_rate_limiter", "set_default_rate_limiter"]

USER_AGENT = f"koppel/{__version__} (+https://github.com/koppel-dev/koppel)"

_default_limiter: RateLimiter = MemoryRateLimiter()


def default_rate_limiter() -> RateLimiter:
    """The limiter clients share unless given one (per process by default)."""
    return _default_limiter


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
    headers: Mapping[str, str] | None = None,
    clock: Clock = SYSTEM_CLOCK,
    max_connections: int = 10,
    logger: Any = None,
) -> httpx.Client:
    """An ``httpx.Client`` for one connection of ``system``.

    :param system: the system's name; with ``tenant`` it keys the rate limit.
    :param base_url: the API's root URL.
    :param tenant: the tenant, division or administration calls count against.
    :param auth: an ``httpx.Auth`` from :mod:`koppel.http` (API key, OAuth2, ...).
    :param transport: replaces the network, e.g. a sandbox's ``httpx.MockTransport``.
    :param timeout: seconds for reading and writing; connecting gets at most 10.
    :param retry: the retry policy (5 attempts, 2 minutes by default).
    :param rate_limit: the system's limits; with no ``rate_limiter`` given they
        are registered in the shared limiter (unless the system has limits there).
    :param rate_limiter: a limiter to use instead of the shared one.
    :param headers: extra headers on every request.
    :param clock: time source for waits (a fake one in tests).
    :param max_connections: size of the connection pool.
    """
    limiter = rate_limiter
    if limiter is None:
        limiter = default_rate_limiter()
        if rate_limit is not None and isinstance(limiter, MemoryRateLimiter):
            limiter.limits.setdefault(system, rate_limit)
    elif rate_limit is not None and isinstance(limiter, MemoryRateLimiter):
        limiter.limits.setdefault(system, rate_limit)
    pool = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    inner = transport or httpx.HTTPTransport(limits=pool, retries=0)
    wrapped = KoppelTransport(
        inner,
        system=system,
        tenant=tenant,
        retry=retry or RetryPolicy(),
        limiter=limiter,
        clock=clock,
        logger=logger or get_logger(system=system, tenant=tenant),
    )
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        headers=all_headers,
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
        transport=wrapped,
        follow_redirects=False,
    )
