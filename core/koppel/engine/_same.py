"""Whether a payload would change a record the target already has."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["already_in_target"]


def already_in_target(payload: Mapping[str, Any], existing: Mapping[str, Any]) -> bool:
    """True when every field of ``payload`` already has that value in ``existing``.

    Numbers compare by value whatever their type (the target answers ``18.5``
    as a float where the payload has ``Decimal("18.50")``); mappings compare
    by the payload's keys; a field the target does not show is a change unless
    the payload leaves it empty. That holds for a plugin's hint fields too
    (``_unit``, ``_on_hand``: inputs the plugin turns into real fields): they
    count as unchanged only when the plugin's ``find_existing`` shows them.
    """
    return bool(existing) and all(_same(v, existing.get(k)) for k, v in payload.items())


def _same(wanted: Any, current: Any) -> bool:
    if wanted is None or current is None:
        return wanted in (None, "") and current in (None, "")
    if _is_number(wanted) and _is_number(current):
        return _decimal(wanted) == _decimal(current)
    if isinstance(wanted, Mapping) and isinstance(current, Mapping):
        return already_in_target(wanted, current) or not wanted
    if isinstance(wanted, list | tuple) and isinstance(current, list | tuple):
        return len(wanted) == len(current) and all(
            _same(w, c) for w, c in zip(wanted, current, strict=True)
        )
    return bool(type(wanted) is type(current) and wanted == current)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _decimal(value: int | float | Decimal) -> Decimal | None:
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return None
