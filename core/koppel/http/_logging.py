"""One log line per request, with secrets in headers, query strings and bodies redacted."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from koppel.log import REDACTED, is_secret_key, redact

__all__ = ["log_request", "redacted_body", "redacted_headers", "redacted_target"]


def redacted_target(url: httpx.URL) -> str:
    """Path and query of ``url`` with secret-looking parameters redacted."""
    query = url.query.decode("ascii", "replace")
    if not query:
        return url.path
    pairs = [(k, REDACTED if is_secret_key(k) else v) for k, v in parse_qsl(query, True)]
    return f"{url.path}?{urlencode(pairs, safe='[]$,:')}"


def redacted_headers(headers: httpx.Headers) -> dict[str, str]:
    """Headers with credentials (Authorization, API keys, cookies) redacted."""
    return {k: REDACTED if is_secret_key(k) else v for k, v in headers.items()}


def redacted_body(content: bytes, content_type: str | None) -> Any:
    """A request or response body fit for a log: JSON and forms redacted by key."""
    if not content:
        return None
    kind = (content_type or "").split(";")[0].strip().lower()
    text = content.decode("utf-8", "replace")
    if kind == "application/x-www-form-urlencoded":
        return {k: REDACTED if is_secret_key(k) else v for k, v in parse_qsl(text, True)}
    if kind.endswith("json") or text[:1] in "{[":
        try:
            return redact(json.loads(text))
        except ValueError:
            pass
    return f"<{len(content)} bytes {kind or 'body'}>"


def log_request(
    logger: Any,
    request: httpx.Request,
    *,
    status: int | None,
    duration: float,
    remaining: int | None,
    attempt: int,
    error: str | None = None,
) -> None:
    """Log one finished (or failed) request as one line; bodies only at debug level."""
    fields: dict[str, Any] = {
        "method": request.method,
        "host": request.url.host,
        "path": redacted_target(request.url),
        "status": status,
        "duration_ms": round(duration * 1000, 1),
        "remaining": remaining,
    }
    if attempt > 1:
        fields["attempt"] = attempt
    if error:
        fields["error"] = error
        logger.warning("http request", **fields)
    else:
        logger.info("http request", **fields)
    if request.content:
        logger.debug(
            "http request body",
            method=request.method,
            path=fields["path"],
            body=redacted_body(request.content, request.headers.get("content-type")),
        )
