"""Checking values against a contract, stripping what the API ignores, shaping answers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

import attrs

if TYPE_CHECKING:
    from koppel.sandbox._contract import Contract, Field

__all__ = ["Violation", "ViolationKind"]

ViolationKind = Literal[
    "not_json", "unknown", "missing", "read_only", "null", "type", "too_long", "enum", "pattern"
]

_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_ISO = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_INTEGER = re.compile(r"^[+-]?\d+$")
_ARTICLE = {"text": "text", "integer": "an integer", "object": "an object", "list": "a list"}


@attrs.frozen(kw_only=True)
class Violation:
    """One fact of a contract that a request broke.

    :param path: the offending field (``Rows[2].Quantity``, 0-based), or ``""`` for the whole.
    :param refused: the real API refuses the request (False: it ignores the field).
    :param part: ``body`` or ``query``.
    """

    kind: ViolationKind
    path: str
    message: str
    refused: bool = True
    contract: str = ""
    endpoint: str = ""
    part: str = "body"

    def __str__(self) -> str:
        where = f"{self.endpoint} {self.part}" if self.endpoint else self.part
        return f"{where}: {self.message}{'' if self.refused else ' (ignored by the API)'}"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_date(value: Any) -> bool:
    if isinstance(value, date):
        return True
    found = _ISO.match(value) if isinstance(value, str) else None
    try:
        return found is not None and bool(date.fromisoformat(found.group(1)))
    except ValueError:
        return False


def _is_number(value: Any, query: bool) -> bool:
    if query and isinstance(value, str):
        try:
            return Decimal(value).is_finite()
        except InvalidOperation:
            return False
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _fits_type(field: Field, value: Any, query: bool) -> bool:
    kind = field.type
    if kind == "text":
        return isinstance(value, str)
    if kind == "integer":
        if query and isinstance(value, str):
            return bool(_INTEGER.match(value))
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "decimal":
        return _is_number(value, query)
    if kind == "boolean":
        if query and isinstance(value, str):
            return value.lower() in ("true", "false")
        return isinstance(value, bool)
    if kind in ("date", "datetime"):
        return _is_date(value)
    if kind == "guid":
        return isinstance(value, str) and bool(_GUID.match(value))
    if query:
        return True  # a query has no objects or lists of its own
    return isinstance(value, Mapping) if kind == "object" else isinstance(value, list)


def _in_enum(field: Field, value: Any, query: bool) -> bool:
    return value in field.enum or (query and value in {str(v) for v in field.enum})


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def generic_path(path: str) -> str:
    """``path`` with list indexes left out: ``Rows[2].Quantity`` -> ``Rows[].Quantity``."""
    return re.sub(r"\[\d+\]", "[]", path)


def check_object(
    contract: Contract, value: Any, *, path: str, query: bool, seen: set[str] | None
) -> list[Violation]:
    """What ``value`` breaks of ``contract`` (see :meth:`Contract.check`)."""
    found: list[Violation] = []

    def broke(kind: ViolationKind, at: str, message: str, refused: bool = True) -> None:
        label = at or contract.name
        found.append(
            Violation(
                kind=kind,
                path=at,
                message=f"{label}: {message}",
                refused=refused,
                contract=contract.name,
            )
        )

    if not isinstance(value, Mapping):
        broke("type", path, f"expected an object ({contract.name}), got {_show(value)}")
        return found
    for name, item in value.items():
        at = _join(path, str(name))
        field = contract.get(str(name))
        if seen is not None:
            seen.add(generic_path(at))
        if field is None:
            refused = contract.unknown == "refuse"
            broke("unknown", at, f"not a field of {contract.name}", refused)
        elif field.read_only:
            broke("read_only", at, "is read-only", contract.read_only == "refuse")
        else:
            found += _check_field(contract, field, item, at, query, seen)
    for field in contract.fields:
        if field.required and value.get(field.name) is None:
            broke("missing", _join(path, field.name), "is required")
    return found


def _check_field(
    contract: Contract, field: Field, value: Any, at: str, query: bool, seen: set[str] | None
) -> list[Violation]:
    def broke(kind: ViolationKind, message: str) -> list[Violation]:
        return [Violation(kind=kind, path=at, message=f"{at}: {message}", contract=contract.name)]

    if value is None:
        return [] if field.nullable or field.required else broke("null", "cannot be null")
    if not _fits_type(field, value, query):
        article = _ARTICLE.get(field.type, f"a {field.type}")
        return broke("type", f"expected {article}, got {_show(value)}")
    if field.max_length is not None and len(value) > field.max_length:
        return broke("too_long", f"{len(value)} characters, at most {field.max_length}")
    if field.enum and not _in_enum(field, value, query):
        allowed = ", ".join(_show(v) for v in field.enum)
        return broke("enum", f"{_show(value)} is not one of {allowed}")
    if field.pattern is not None and not re.fullmatch(field.pattern, value):
        return broke("pattern", f"{_show(value)} does not match {field.pattern}")
    if field.of is None or query:
        return []
    if field.type == "object":
        return check_object(field.of, value, path=at, query=False, seen=seen)
    found: list[Violation] = []
    for index, item in enumerate(value):
        found += check_object(field.of, item, path=f"{at}[{index}]", query=False, seen=seen)
    return found


def strip_object(contract: Contract, value: Any) -> Any:
    """``value`` without the fields ``contract`` says the API ignores."""
    if not isinstance(value, Mapping):
        return value
    kept: dict[str, Any] = {}
    for name, item in value.items():
        field = contract.get(str(name))
        if field is None:
            if contract.unknown == "refuse":
                kept[name] = item
        elif field.read_only:
            if contract.read_only == "refuse":
                kept[name] = item
        elif field.of is not None and field.type == "list" and isinstance(item, list):
            kept[name] = [strip_object(field.of, line) for line in item]
        else:
            kept[name] = strip_object(field.of, item) if field.of is not None else item
    return kept


def shape_object(contract: Contract, record: Any, *, nulls: bool) -> Any:
    """``record`` padded (and filled with nulls) as :meth:`Contract.shape` says."""
    if not isinstance(record, Mapping):
        return record
    shaped = dict(record)
    for field in contract.fields:
        if field.name not in shaped:
            if nulls:
                shaped[field.name] = None
            continue
        value = shaped[field.name]
        if field.width is not None and isinstance(value, str):
            shaped[field.name] = value.ljust(field.width)
        elif field.of is not None and field.type == "list" and isinstance(value, list):
            shaped[field.name] = [shape_object(field.of, line, nulls=nulls) for line in value]
        elif field.of is not None:
            shaped[field.name] = shape_object(field.of, value, nulls=nulls)
    return shaped
