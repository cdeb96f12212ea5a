"""Content hashes of payloads and normalised match-key values.

Payloads and source records are encoded with orjson (keys sorted for payloads),
falling back to :mod:`json` for what orjson refuses (integers beyond 64 bits,
keys that are not strings, a lone surrogate). Content hashes taken before orjson
(of ``json.dumps(..., sort_keys=True, separators=(",", ":"), default=str)``) are
still recognised: :func:`legacy_content_hash` gives them, for a binding whose
hash differs from the new one.

A float that is not finite (NaN, infinity) is written as ``null``, by orjson and
by the :mod:`json` fallback alike: the texts never hold a ``NaN`` or ``Infinity``
token, so the state store keeps them as they are without looking (the activity
log, the journal). A source record whose value goes from null to NaN keeps its
source hash and is skipped before mapping (payloads cannot hold such numbers: the
mappings and the records refuse them).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import orjson

__all__ = [
    "content_hash",
    "hash_text",
    "legacy_content_hash",
    "match_value",
    "payload_text",
    "read_field",
    "read_match_key",
    "source_hasher",
    "source_text",
]

_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_AS_GIVEN = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _encode(data: Any, option: int, sort_keys: bool) -> str:
    try:
        return orjson.dumps(data, default=str, option=option).decode()
    except TypeError:  # orjson.JSONEncodeError: what json.dumps still takes (escaped, so
        # that a lone surrogate in a string becomes text that encodes as UTF-8)
        return _json_text(data, sort_keys)


def _json_text(data: Any, sort_keys: bool) -> str:
    """``data``'s JSON by :mod:`json`, with NaN and infinities as ``null`` (as orjson)."""
    options: dict[str, Any] = {"sort_keys": sort_keys, "separators": (",", ":"), "default": str}
    try:
        return json.dumps(data, allow_nan=False, **options)
    except ValueError:  # a float that is not finite, or a circular reference
        json.dumps(data, **options)  # raises the ValueError of a circular reference
        return json.dumps(_nulled(data), allow_nan=False, **options)


def _nulled(value: Any) -> Any:
    """A copy of ``value`` with every float that is not finite replaced by None (in what
    :mod:`json` encodes as objects and arrays; anything else it writes as its ``str``);
    such a float as a key becomes the text :mod:`json` makes of it (``"NaN"``)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_key(key): _nulled(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_nulled(item) for item in value]
    return value


def _key(key: Any) -> Any:
    """A key as :mod:`json` writes it when it may not write NaN or infinities."""
    if isinstance(key, float) and not math.isfinite(key):
        return json.dumps(key)
    return key


def payload_text(payload: Mapping[str, Any]) -> str:
    """The JSON a payload's content hash is taken of (keys sorted); the activity log
    stores this same text as what was sent."""
    return _encode(payload, _SORTED, True)


def hash_text(text: str) -> str:
    """The hash of ``text`` (32 hex digits)."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def content_hash(payload: Mapping[str, Any]) -> str:
    """A stable hash of a payload: equal data (any key order) gives an equal hash."""
    return hash_text(payload_text(payload))


def legacy_content_hash(payload: Mapping[str, Any]) -> str:
    """The content hash koppel took of ``payload`` before its JSON came from orjson."""
    return hash_text(json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str))


def source_text(data: Mapping[str, Any]) -> str:
    """The JSON of a raw source record as the source gave it (its own key order); the
    activity log stores this same text as what came in."""
    return _encode(data, _AS_GIVEN, False)


def source_hasher(fingerprint: str) -> Callable[[str], str]:
    """The hash of a raw source record's JSON text under a flow's ``fingerprint``
    (:func:`koppel.engine._fingerprint.flow_fingerprint`), 32 hex digits.

    SHA-256 (about twice as fast as BLAKE2b here, by the CPU's SHA instructions);
    source hashes change with every koppel version anyway (the fingerprint holds it),
    so unlike content hashes they need no earlier form recognised.
    """
    prefix = hashlib.sha256(f"{fingerprint}\n".encode())

    def source_hash(text: str) -> str:
        hasher = prefix.copy()
        hasher.update(text.encode())
        return hasher.hexdigest()[:32]

    return source_hash


def read_field(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (``customer.email``) in nested mappings, or None."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def read_match_key(data: Mapping[str, Any], key: str) -> Any:
    """The value of match key ``key`` in canonical ``data``: one field (a dotted path), or,
    for a key that joins fields with ``+`` (``invoice_number+line``), their values as a
    JSON list (``["INV-7", "530006"]``), None when any of them is empty."""
    if "+" not in key:
        return read_field(data, key)
    values = [match_value(part, read_field(data, part)) for part in key.split("+")]
    return None if None in values else json.dumps(values, ensure_ascii=False)


def match_value(key: str, value: Any) -> str | None:
    """A match-key value as the engine compares it, or None when it is empty.

    E-mail addresses are trimmed and lower-cased; other values are trimmed.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    return text.lower() if key.rsplit(".", 1)[-1] == "email" else text
