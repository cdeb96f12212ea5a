"""Turning an API's error response into the right koppel error, with the API's message.

Core looks for the message where no single vendor puts it: RFC 9457 problem
details (``detail``, ``title``), OAuth 2 errors (RFC 6749: ``error_description``,
``error``) and the common ``message``, ``Message`` and ``error.message``. A
system whose errors carry it elsewhere gives its client an :data:`ErrorReader`
(``build_client(error_message=message_at("Fault.Text"))``); the client's
transport hands it to every response, so :func:`raise_for_status`, the
pagination helpers and the transport's own errors all read it first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from koppel.errors import (
    AuthError,
    KoppelError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from koppel.http._retry import RETRY_AFTER_EXTENSION, parse_retry_after

__all__ = [
    "ERROR_READER_EXTENSION",
    "ErrorReader",
    "api_message",
    "message_at",
    "raise_for_status",
]

#: Reads an API's own error message from a response; None when it holds none.
ErrorReader = Callable[[httpx.Response], str | None]

#: ``response.extensions`` key under which a koppel client puts its :data:`ErrorReader`.
ERROR_READER_EXTENSION = "koppel.error_reader"

#: Neutral places of an error message, tried in order (dotted paths).
_NEUTRAL_PATHS = (
    "error.message",
    "Message",
    "message",
    "error_description",  # OAuth 2
    "detail",  # problem details
    "title",
    "error",
)


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _first(data: Any, paths: tuple[str, ...]) -> str | None:
    for path in paths:
        found = _dig(data, path)
        if isinstance(found, str) and found.strip():
            return found.strip()
    return None


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def message_at(*paths: str) -> ErrorReader:
    """An :data:`ErrorReader` for a JSON body: the first text at one of ``paths``.

    A path is dotted (``"error.message.value"``); each plugin names its own.
    """

    def read(response: httpx.Response) -> str | None:
        return _first(_json(response), paths)

    return read


def api_message(response: httpx.Response, reader: ErrorReader | None = None) -> str:
    """The API's own error message from ``response``, or its status line.

    ``reader`` (else the one the client put in the response's extensions) is
    asked first, then the neutral places; then a short text body counts.
    """
    reader = reader or response.extensions.get(ERROR_READER_EXTENSION)
    found = reader(response) if reader is not None else None
    if found and found.strip():
        return found.strip()
    found = _first(_json(response), _NEUTRAL_PATHS)
    if found:
        return found
    text = response.text.strip()
    if text and len(text) <= 300 and not text.startswith("<"):
        return text
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()


def _asked_wait(response: httpx.Response) -> float | None:
    """The seconds the API asked to wait (noted by the transport, else ``Retry-After``)."""
    asked = response.extensions.get(RETRY_AFTER_EXTENSION)
    if asked is None:
        asked = parse_retry_after(response.headers.get("retry-after"), now=time.time())
    return float(asked) if asked is not None else None


def raise_for_status(response: httpx.Response, **context: Any) -> httpx.Response:
    """Return ``response`` when it succeeded, else raise the matching koppel error.

    401/403 -> :class:`AuthError`; 429 -> :class:`RateLimitedError`; 5xx ->
    :class:`TransientError`; any other 4xx -> :class:`RejectedError` (the record
    is refused) carrying the API's message. A 429 or 5xx carries the wait the API
    asked for as ``retry_after``. ``context`` names the record.
    """
    if response.is_success or response.is_redirect:
        return response
    status = response.status_code
    message = api_message(response)
    where = {"status": status, "path": response.request.url.path, **context}
    error: KoppelError
    if status in (401, 403):
        error = AuthError(f"access refused by the API: {message}", **where)
    elif status == 429:
        retry = _asked_wait(response)
        error = RateLimitedError(f"rate limited: {message}", retry_after=retry, **where)
    elif status >= 500:
        error = TransientError(
            f"server error: {message}", retry_after=_asked_wait(response), **where
        )
    else:
        error = RejectedError(message, **where)
    raise error
