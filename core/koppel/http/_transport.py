"""The transport under every koppel client: rate limit, authenticate, send, log, retry."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import httpx

from koppel.errors import TransientError, UncertainOutcomeError
from koppel.http._clock import Clock
from koppel.http._errors import ERROR_READER_EXTENSION, ErrorReader, api_message
from koppel.http._logging import log_request
from koppel.http._ratelimit import RateLimiter
from koppel.http._retry import (
    RETRY_AFTER_EXTENSION,
    RetryPolicy,
    is_idempotent,
    parse_retry_after,
)

__all__ = ["KoppelTransport", "WaitHint"]

#: Seconds to wait before retrying ``response``, read from the response by a plugin
#: (for an API that puts the wait only in its body); None when it says nothing.
WaitHint = Callable[[httpx.Response], float | None]

#: Errors raised before the request left this machine: always safe to retry.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Statuses of a retriable answer after which a write certainly did not happen: a rate
#: limit is checked before a request is handled. After a 5xx it may have happened:
#: a 503 can come from a server that stored the record and failed while answering.
_NOT_HANDLED_STATUSES = frozenset({429})


class KoppelTransport(httpx.BaseTransport):
    """Wraps a transport with proactive rate limiting, auth, bounded retries and request logs.

    Every attempt first waits for the rate limiter and only then runs ``auth``,
    so that a credential with a lifetime (an OAuth2 access token) is taken
    when the request leaves, not before a wait that may outlive it. A request
    the auth flow sends again (after a 401) counts against the limit as well.

    A read (GET, HEAD, OPTIONS) is retried on a 500 as well, since reading again
    cannot write twice; a write answered 500 is returned as is.
    A request that is not idempotent (POST, PATCH) is retried only when it
    certainly was not handled (connection refused, 429); when it may have been
    (a reset or time-out after sending, any retriable 5xx, 503 included) the
    transport raises :class:`UncertainOutcomeError` so that the caller checks by
    match key first.
    A retriable status that is still failing after the last attempt is returned
    as is, with the wait the API asked for in ``response.extensions``;
    :func:`raise_for_status` turns it into a retriable koppel error.

    :param wait_hint: how long to wait before retrying a response that has no
        usable ``Retry-After`` header (called only for the policy's retriable statuses).
    :param error_message: reads the API's message from an error response; put in
        every response's extensions for :func:`raise_for_status`.
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
        auth: httpx.Auth | None = None,
        wait_hint: WaitHint | None = None,
        error_message: ErrorReader | None = None,
    ) -> None:
        self.inner = inner
        self.system = system
        self.tenant = tenant
        self.retry = retry
        self.limiter = limiter
        self.clock = clock
        self.logger = logger
        self.auth = auth
        self.wait_hint = wait_hint
        self.error_message = error_message

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        started = self.clock.now()
        idempotent = is_idempotent(request)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._attempt(request, attempt)
            except httpx.TransportError as exc:
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
            status = response.status_code
            if not self.retry.retries(status, request.method):
                return response
            if status not in _NOT_HANDLED_STATUSES and not idempotent:
                response.read()
                raise UncertainOutcomeError(
                    f"{request.method} answered {status} "
                    f"({api_message(response, self.error_message)}); the write "
                    "may have happened, check whether the record exists before retrying",
                    status=status,
                    **self._where(request),
                )
            hinted = self._asked_wait(response)
            # A wait of 0 (a Retry-After date in the past: clocks differ) is no reason
            # to hammer the API: back off as if it had said nothing.
            delay = hinted if hinted else self.retry.backoff(attempt)
            if not self._may_retry(attempt, started, delay):
                if hinted is not None:
                    response.extensions[RETRY_AFTER_EXTENSION] = hinted
                return response
            response.close()
            self.clock.sleep(delay)

    def _attempt(self, request: httpx.Request, attempt: int) -> httpx.Response:
        """One try: wait for budget, authenticate, send (again if the auth flow asks)."""
        self._acquire()
        if self.auth is None:
            return self._send(request, attempt)
        flow = self.auth.sync_auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                response = self._send(outgoing, attempt)
                if self.auth.requires_response_body:
                    response.read()
                try:
                    outgoing = flow.send(response)
                except StopIteration:
                    return response
                response.read()
                response.close()
                self._acquire()
        finally:
            flow.close()

    def _acquire(self) -> None:
        if self.limiter is not None:
            self.limiter.acquire(self.system, self.tenant)

    def _send(self, request: httpx.Request, attempt: int) -> httpx.Response:
        t0 = time.perf_counter()
        try:
            response = self.inner.handle_request(request)
        except httpx.TransportError as exc:
            self._log(request, None, t0, attempt, error=type(exc).__name__)
            raise
        if self.limiter is not None:
            self.limiter.observe(self.system, self.tenant, response.headers)
        if self.error_message is not None:
            response.extensions[ERROR_READER_EXTENSION] = self.error_message
        self._log(request, response.status_code, t0, attempt)
        return response

    def _asked_wait(self, response: httpx.Response) -> float | None:
        """The seconds the API asked to wait: ``Retry-After``, else the plugin's hint."""
        asked = parse_retry_after(response.headers.get("retry-after"), now=self.clock.now())
        if asked is None and self.wait_hint is not None:
            response.read()
            hint = self.wait_hint(response)
            if hint is not None and math.isfinite(hint):
                asked = max(float(hint), 0.0)
        return asked

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
