"""One log line per request, with secrets in headers, query strings and bodies redacted."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from koppel.log import REDACTED, is_secret_key, redact

__all__ = ["log_request", "redacted_body", "redacted_headers", "redacted_target"]

#: Query and form parameters that carry a credential without saying so in their name
#: (OAuth codes and PKCE verifiers, signed-URL signatures, ``?key=`` API keys).
_CREDENTIAL_PARAMS = frozenset(
    {"assertion", "client_assertion", "code", "code_verifier", "key", "sig", "signature"}
)
#: ``request.extensions`` key: names of query parameters an auth put a credential in.
SECRET_PARAMS_EXTENSION = "koppel.secret_params"


def _is_secret_param(name: str, also: Collection[str] = ()) -> bool:
    return is_secret_key(name) or name.lower() in _CREDENTIAL_PARAMS or name in also


def redacted_target(url: httpx.URL, secret_params: Collection[str] = ()) -> str:
    """Path and query of ``url`` with credential parameters redacted.

    :param secret_params: more parameter names to redact (say, a custom API-key parameter).
    """
    query = url.query.decode("ascii", "replace")
    if not query:
        return url.path
    pairs = [
        (k, REDACTED if _is_secret_param(k, secret_params) else v)
        for k, v in parse_qsl(query, True)
    ]
    return f"{url.path}?{urlencode(pairs, safe='[]$,:')}"


def redacted_headers(headers: httpx.Headers) -> dict[str, str]:
    """Headers with credentials (Authorization, API keys, cookies) redacted."""
    return {k: REDACTED if is_secret_key(k) else v for k, v in headers.items()}


def redacted_body(content: bytes, content_type: str | None) -> Any:
    """A request or response body fit for a log: JSON and forms redacted by key.

    Any other body is shown as its size and content type only.
    """
    if not content:
        return None
    kind = (content_type or "").split(";")[0].strip().lower()
    text = content.decode("utf-8", "replace")
    if kind == "application/x-www-form-urlencoded":
        return {k: REDACTED if _is_secret_param(k) else v for k, v in parse_qsl(text, True)}
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
        "path": redacted_target(request.url, request.extensions.get(SECRET_PARAMS_EXTENSION, ())),
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
