"""The transport under every koppel client: rate limit, retry, log, then the network."""

from __future__ import annotations

import time
from typing import Any

import httpx

from koppel.errors import TransientError, UncertainOutcomeError
from koppel.http._clock import Clock
from koppel.http._errors import api_message
from koppel.http._logging import log_request
from koppel.http._ratelimit import RateLimiter
from koppel.http._retry import RetryPolicy, is_idempotent, parse_retry_after

__all__ = ["KoppelTransport"]

#: Errors raised before the request left this machine: always safe to retry.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Statuses after which a write may or may not have happened.
_UNCERTAIN_STATUSES = frozenset({502, 504})


class KoppelTransport(httpx.BaseTransport):
    """Wraps a transport with proactive rate limiting, bounded retries and request logs.

    A request that is not idempotent (POST, PATCH) is retried only when it
    certainly did not reach the server (connection refused, 429, 503); when it
    may have (a reset or time-out after sending, 502, 504) the transport raises
    :class:`UncertainOutcomeError` so that the caller checks by match key first.
    A retriable status that is still failing after the last attempt is returned
    as is; :func:`raise_for_status` turns it into a retriable koppel error.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        system: str,
        tenant: str,
        retry: RetryPolicy,
        limiter: RateLimiter | None,
        clock: Clock,
        logger: Any,
    ) -> None:
        self.inner = inner
        self.system = system
        self.tenant = tenant
        self.retry = retry
        self.limiter = limiter
        self.clock = clock
        self.logger = logger

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        started = self.clock.now()
        idempotent = is_idempotent(request)
        attempt = 0
        while True:
            attempt += 1
            if self.limiter is not None:
                self.limiter.acquire(self.system, self.tenant)
            t0 = time.perf_counter()
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError as exc:
                self._log(request, None, t0, attempt, error=type(exc).__name__)
                if not idempotent and not isinstance(exc, _NOT_SENT):
                    raise UncertainOutcomeError(
                        f"{request.method} may have reached the server before "
                        f"{type(exc).__name__}; check whether the record exists before retrying",
                        **self._where(request),
                    ) from exc
                delay = self.retry.backoff(attempt)
                if self._may_retry(attempt, started, delay):
                    self.clock.sleep(delay)
                    continue
                raise TransientError(
                    f"{type(exc).__name__} after {attempt} attempt(s): {exc}",
                    retry_after=delay,
                    **self._where(request),
                ) from exc
            if self.limiter is not None:
                self.limiter.observe(self.system, self.tenant, response.headers)
            self._log(request, response.status_code, t0, attempt)
            status = response.status_code
            if status not in self.retry.statuses:
                return response
            if status in _UNCERTAIN_STATUSES and not idempotent:
                response.read()
                raise UncertainOutcomeError(
                    f"{request.method} answered {status} ({api_message(response)}); the write "
                    "may have happened, check whether the record exists before retrying",
                    status=status,
                    **self._where(request),
                )
            hinted = parse_retry_after(response.headers.get("retry-after"), now=self.clock.now())
            delay = hinted if hinted is not None else self.retry.backoff(attempt)
            if not self._may_retry(attempt, started, delay):
                return response
            response.close()
            self.clock.sleep(delay)

    def _may_retry(self, attempt: int, started: float, delay: float) -> bool:
        elapsed = self.clock.now() - started
        return attempt < self.retry.attempts and elapsed + delay <= self.retry.max_elapsed

    def _where(self, request: httpx.Request) -> dict[str, Any]:
        return {"system": self.system, "path": request.url.path}

    def _log(
        self,
        request: httpx.Request,
        status: int | None,
        t0: float,
        attempt: int,
        error: str | None = None,
    ) -> None:
        remaining = self.limiter.remaining(self.system, self.tenant) if self.limiter else None
        log_request(
            self.logger,
            request,
            status=status,
            duration=time.perf_counter() - t0,
            remaining=remaining,
            attempt=attempt,
            error=error,
        )

    def close(self) -> None:
        self.inner.close()
