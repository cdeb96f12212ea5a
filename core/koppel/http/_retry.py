"""When and how long to wait before trying a request again."""

from __future__ import annotations

import email.utils
import math
import random
from datetime import UTC

import attrs
import httpx

__all__ = [
    "IDEMPOTENT_EXTENSION",
    "IDEMPOTENT_METHODS",
    "READ_METHODS",
    "RETRY_AFTER_EXTENSION",
    "RetryPolicy",
    "is_idempotent",
    "parse_retry_after",
]

#: Methods that may be repeated without changing the result (RFC 9110 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

#: Methods that only read (RFC 9110 9.2.1 "safe"): retried on more statuses than writes.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

#: ``request.extensions`` key: set True on a POST that the API de-duplicates.
IDEMPOTENT_EXTENSION = "koppel.idempotent"

#: ``response.extensions`` key: the seconds the API asked to wait, on a retriable
#: response the transport gave up on (from ``Retry-After`` or the plugin's wait hint).
RETRY_AFTER_EXTENSION = "koppel.retry_after"


def is_idempotent(request: httpx.Request) -> bool:
    """True when repeating ``request`` cannot write twice.

    A POST or PATCH counts as idempotent when it carries an ``Idempotency-Key``
    header or the ``koppel.idempotent`` request extension.
    """
    if request.method.upper() in IDEMPOTENT_METHODS:
        return True
    return "idempotency-key" in request.headers or bool(
        request.extensions.get(IDEMPOTENT_EXTENSION)
    )


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta seconds or an HTTP date.

    A moment in the past gives 0; a value that is neither (or not finite) gives None.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # "-0000" or no zone: HTTP dates are in GMT
        moment = moment.replace(tzinfo=UTC)
    return max(moment.timestamp() - now, 0.0)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Bounded retries with jittered exponential backoff.

    :param attempts: tries in total, the first one included.
    :param max_elapsed: seconds of waiting in total before giving up.
    :param base: the first backoff in seconds; doubled per attempt up to ``cap``.
    :param cap: the longest single backoff.
    :param statuses: response statuses worth another try.
    :param read_statuses: statuses worth another try for a read (:data:`READ_METHODS`)
        only: a 500 may come from a server that wrote half a record before failing.
    :param seed: makes the jitter reproducible (tests).
    """

    attempts: int = 5
    max_elapsed: float = 120.0
    base: float = 0.5
    cap: float = 30.0
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    read_statuses: frozenset[int] = frozenset({500})
    seed: int | None = None
    _rng: random.Random = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        object.__setattr__(self, "_rng", random.Random(self.seed))

    def retries(self, status: int, method: str) -> bool:
        """True when a response with ``status`` to a ``method`` request is worth another try."""
        return status in self.statuses or (
            status in self.read_statuses and method.upper() in READ_METHODS
        )

    def backoff(self, attempt: int) -> float:
        """Full-jitter backoff before try ``attempt + 1`` (``attempt`` counts from 1)."""
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return self._rng.uniform(ceiling / 2, ceiling)
