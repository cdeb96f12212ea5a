"""Payloads as eAccounting takes them: no hint fields, numbers instead of Decimals.

eAccounting's ``PUT`` replaces a whole resource, so an update is the current
record with the mapped fields laid over it (:func:`writable`): fields the
mapping leaves out (create-only ones, the stock balance of an article, ...)
keep their value. Outbound mappings may carry ``_``-prefixed hint fields
(``_unit``, ``_terms_of_payment``, ``_order_type``, ...) that the resources
resolve to ids and :func:`clean` never sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from koppel.errors import ValidationError
from koppel.sync import WriteResult
from koppel_eaccounting.facts import BODIES, READ_ONLY

__all__ = ["checked", "clean", "result", "writable"]


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
    """``body`` for endpoint ``path``, once it has every field eAccounting requires
    and no text longer than it takes (:data:`~koppel_eaccounting.facts.BODIES`).

    :param context: the error's context (``entity``, ``record``).
    :raises ValidationError: naming the field, before the API refuses the record
        (a value is never cut to fit).
    """
    for violation in BODIES[path].check(body):
        if violation.kind in ("missing", "null", "too_long"):
            raise ValidationError(
                f"eAccounting does not take this record: {violation.path}: {violation.message}",
                **{**context, "field": violation.path},
            )
    return body


def result(record: Mapping[str, Any]) -> WriteResult:
    """The answer to a write: the created or replaced resource."""
    return WriteResult(target_id=str(record["Id"]), response=record)
