"""Payloads as eAccounting takes them: no hint fields, numbers instead of Decimals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["clean"]


def clean(payload: Any) -> Any:
    """``payload`` without ``_`` hint fields, with Decimals as JSON numbers."""
    if isinstance(payload, Mapping):
        return {k: clean(v) for k, v in payload.items() if not str(k).startswith("_")}
    if isinstance(payload, list | tuple):
        return [clean(v) for v in payload]
    if isinstance(payload, Decimal):
        return int(payload) if payload == payload.to_integral_value() else float(payload)
    return payload
