"""Payloads as eAccounting takes them: no hint fields, numbers instead of Decimals.

eAccounting's ``PUT`` replaces a whole resource, so an update is the current
record with the mapped fields laid over it (:func:`writable`): fields the
mapping leaves out (create-only ones, the stock balance of an article, ...)
keep their value. Outbound mappings may carry ``_``-prefixed hint fields
(``_unit``, ``_terms_of_payment``, ``_order_type``, ...) that the resources
resolve to ids and :func:`clean` never sends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from koppel.errors import ValidationError
from koppel.records import to_decimal
from koppel.sync import WriteResult
from koppel_eaccounting.facts import BODIES, NUMBERS, READ_ONLY, Number

__all__ = ["checked", "clean", "number_fields", "result", "writable"]


def clean(payload: Any) -> Any:
    """``payload`` without ``_`` hint fields, with Decimals as JSON numbers."""
    if isinstance(payload, Mapping):
        return {k: clean(v) for k, v in payload.items() if not str(k).startswith("_")}
    if isinstance(payload, list | tuple):
        return [clean(v) for v in payload]
    if isinstance(payload, Decimal):
        return int(payload) if payload == payload.to_integral_value() else float(payload)
    return payload


def writable(current: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The fields of ``current`` (a resource of endpoint ``path``) a replacing PUT
    sends back: none that are read-only (:data:`~koppel_eaccounting.facts.READ_ONLY`)."""
    read_only = READ_ONLY[path]
    return {k: v for k, v in current.items() if k not in read_only}


def checked(path: str, body: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` for endpoint ``path``, once it has every field eAccounting requires, no
    text longer than it takes and every number within its range, rounded half up to its
    decimals (:data:`~koppel_eaccounting.facts.BODIES`, :data:`~koppel_eaccounting.facts.NUMBERS`).

    :param context: the error's context (``entity``, ``record``).
    :raises ValidationError: naming the field, before the API refuses the record
        (a text is never cut to fit, a number never moved into range).
    """
    for violation in BODIES[path].check(body):
        if violation.kind in ("missing", "null", "too_long"):
            raise ValidationError(
                f"eAccounting does not take this record: {violation.path}: {violation.message}",
                **{**context, "field": violation.path},
            )
    for field, holder, key, limit in number_fields(path, body):
        holder[key] = clean(_rounded(field, holder[key], limit, context))
    return body


def number_fields(
    path: str, body: Mapping[str, Any]
) -> Iterator[tuple[str, dict[str, Any], str, Number]]:
    """Each number field of ``body`` that :data:`~koppel_eaccounting.facts.NUMBERS` limits
    and that holds a value: its path (``Rows[0].Quantity``), the object holding it, its
    key and its limits."""
    for name, limit in NUMBERS.get(path, {}).items():
        if "[]." in name:
            parent, key = name.split("[].", 1)
            rows = body.get(parent)
            holders = [
                (f"{parent}[{n}].{key}", row)
                for n, row in enumerate(rows if isinstance(rows, list) else ())
            ]
        else:
            key, holders = name, [(name, body)]
        for field, holder in holders:
            if isinstance(holder, dict) and holder.get(key) is not None:
                yield field, holder, key, limit


def _rounded(field: str, value: Any, limit: Number, context: Mapping[str, Any]) -> Decimal:
    try:
        number = to_decimal(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"eAccounting does not take this record: {field} {value!r} is not a number",
            **{**context, "field": field},
        ) from None
    number = number.quantize(Decimal(1).scaleb(-limit.decimals), ROUND_HALF_UP)
    low, high = limit.minimum, limit.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        allowed = f"{low if low is not None else '...'} to {high if high is not None else '...'}"
        raise ValidationError(
            f"eAccounting does not take this record: {field} {value} is outside {allowed}",
            **{**context, "field": field},
        )
    return number


def result(record: Mapping[str, Any]) -> WriteResult:
    """The answer to a write: the created or replaced resource."""
    return WriteResult(target_id=str(record["Id"]), response=record)
