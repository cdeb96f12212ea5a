"""Response bodies read as JSON: by orjson, where it reads them as :mod:`json` does.

A list page of a few hundred records is most of a read's parsing; orjson parses it
several times faster. It differs from :func:`json.loads` on what it refuses (NaN,
numbers beyond a float's range, a lone surrogate, a byte order mark, another encoding
than UTF-8): those bodies are parsed by :mod:`json` again, with its own errors. And it
reads a whole number beyond 64 bits as a float: a body with 19 digits in a row (in a
number or in text) is parsed by :mod:`json` alone.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import orjson

__all__ = ["json_body", "loads"]

#: Every byte as ``9`` when it is a digit, else as a space (for :meth:`bytes.translate`).
_DIGITS = bytes(0x39 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
#: The shortest run of digits that can be a whole number orjson turns into a float.
_LONG_NUMBER = b"9" * 19


def loads(content: bytes) -> Any:
    """``content`` parsed as :func:`json.loads` parses it (the same values, key order
    and errors), by orjson where that gives the same.

    :raises ValueError: when ``content`` is not JSON (:func:`json.loads`'s error).
    """
    if _LONG_NUMBER not in content.translate(_DIGITS):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass  # json.loads may still take it, or raises its own error
    return json.loads(content)


def json_body(response: httpx.Response) -> Any:
    """``response.json()``, parsed by :func:`loads`.

    :raises ValueError: when the body is not JSON.
    """
    return loads(response.content)
