"""pytest-recording (VCR.py) settings that keep tokens and secrets out of cassettes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from koppel.log import REDACTED, is_secret_key, redact
from koppel.sandbox import Sandbox

__all__ = ["SECRET_HEADERS", "CountedReplays", "find_secrets_in_cassettes", "vcr_config"]

#: Request and response headers that carry credentials.
SECRET_HEADERS = (
    "authorization",
    "x-api-key",
    "api-key",
    "apikey",
    "cookie",
    "set-cookie",
    "proxy-authorization",
)
_SECRET_FIELDS = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_id",
    "code",
    "password",
    "api_key",
    "apikey",
    "token",
)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {})
    raw = body.get("string")
    if raw:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if data is not None:
            scrubbed = json.dumps(redact(data)).encode("utf-8")
            body["string"] = scrubbed if isinstance(raw, bytes) else scrubbed.decode()
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS or is_secret_key(name):
            headers[name] = [REDACTED]
    return response


def vcr_config() -> dict[str, Any]:
    """The VCR.py configuration for connector cassettes.

    Credentials in request headers, query strings and form bodies are replaced
    before a cassette is written, and secret-looking keys in JSON response
    bodies (``access_token``, ``refresh_token``, ...) are redacted.
    """
    return {
        "filter_headers": [(name, REDACTED) for name in SECRET_HEADERS],
        "filter_query_parameters": [(name, REDACTED) for name in _SECRET_FIELDS],
        "filter_post_data_parameters": [(name, REDACTED) for name in _SECRET_FIELDS],
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
    }


_LEAKS = (
    re.compile(r"(?i)\b(bearer|afastoken)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)[\"']?(access_token|refresh_token|client_secret|password)[\"']?\s*[:=]\s*"
        r"[\"']?(?!\[redacted\]|REDACTED|\"?\s*$)[^\"'&\s,}]{4,}"
    ),
)


def find_secrets_in_cassettes(folder: str | Path, known: tuple[str, ...] = ()) -> list[str]:
    """Places in the cassettes under ``folder`` that look like an unfiltered credential.

    :param known: secret values that must never appear (the test connection's).
    :return: ``"<file>: <excerpt>"`` per finding; empty when the cassettes are clean.
    """
    found: list[str] = []
    for path in sorted(Path(folder).rglob("*.y*ml")) + sorted(Path(folder).rglob("*.json")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in _LEAKS:
            found += [f"{path}: {m.group(0)[:60]}" for m in pattern.finditer(text)]
        found += [f"{path}: contains a known secret" for value in known if value and value in text]
    return found


class CountedReplays(httpx.BaseTransport):
    """A connection's transport under a cassette: a call the cassette answers (so the
    sandbox never sees it) is counted on the sandbox as if it had answered, so that
    the standard suite's call counts hold for cassette runs too."""

    def __init__(self, sandbox: Sandbox, inner: httpx.BaseTransport) -> None:
        self.sandbox = sandbox
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        before = self.sandbox.calls.total()
        response = self.inner.handle_request(request)
        if self.sandbox.calls.total() == before:
            self.sandbox.calls[(request.method, request.url.path)] += 1
        return response
