"""Turning an API's error response into the right koppel error, with the API's message."""

from __future__ import annotations

import json
import time
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

__all__ = ["api_message", "raise_for_status"]

#: Where known APIs put their message, tried in order (dotted paths).
_MESSAGE_PATHS = (
    "error.message.value",  # Exact Online (OData v2)
    "error.message",
    "DeveloperErrorMessage",  # Visma eAccounting
    "ErrorMessage",  # AccountView.net
    "Message",
    "externalMessage",  # AFAS Profit
    "message",
    "error_description",  # OAuth2
    "detail",
    "title",
    "error",
)


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def api_message(response: httpx.Response) -> str:
    """The API's own error message from ``response``, or its status line."""
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    for path in _MESSAGE_PATHS:
        found = _dig(data, path)
        if isinstance(found, str) and found.strip():
            return found.strip()
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
