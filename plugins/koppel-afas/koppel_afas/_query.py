"""A GetConnector call's query as the sandbox answers it: skip/take, filters and order.

Filters are ``filterfieldids``/``filtervalues``/``operatortypes``: ``,`` joins
conditions that all hold, ``;`` groups of which any will do (or the same as
``filterjson``); ``orderbyfieldids`` sorts
(``-`` descending). Values compare by the field's type (get-connector.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from koppel_afas.definitions import Definition
from koppel_afas.facts import TAKE_DEFAULT

__all__ = ["QueryError", "Window", "apply_filters", "sort_rows", "window"]


class QueryError(Exception):
    """A query AFAS cannot run: answered 500 with this message."""


@attrs.frozen
class Window:
    """Which rows to answer: ``take`` from ``skip`` on, or all (-1/-1)."""

    skip: int
    take: int

    def of(self, rows: Sequence[Any]) -> list[Any]:
        """The rows in this window."""
        if self.take == -1:
            return list(rows)
        return list(rows[self.skip : self.skip + self.take])


def window(params: Mapping[str, str]) -> Window:
    """skip/take of a call (0 and 100 when left out); -1/-1 is "get all".

    :raises QueryError: for any other negative value, as AFAS answers skip=2&take=-1.
    """
    skip, take = int(params.get("skip", 0)), int(params.get("take", TAKE_DEFAULT))
    if (skip, take) == (-1, -1):
        return Window(0, -1)
    if skip < 0 or take < 0:
        raise QueryError("An unexpected error has occurred.")
    return Window(skip, take)


def _value(data_type: str) -> Callable[[Any], Any]:
    if data_type in ("int", "decimal"):
        return lambda v: None if v in (None, "") else float(v)
    if data_type == "boolean":
        return lambda v: None if v in (None, "") else str(v).lower() in ("true", "1")
    return lambda v: None if v is None else str(v).casefold()


def _date_key(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).removesuffix("Z")
    return text if "T" in text else text + "T00:00:00"


def _compare(operator: int, left: Any, right: Any) -> bool:
    if operator == 8:
        return left in (None, "")
    if operator == 9:
        return left not in (None, "")
    if left is None:
        return operator in (7, 11, 12, 14)
    text, wanted = str(left), str(right)
    checks: dict[int, Callable[[], bool]] = {
        1: lambda: left == right,
        2: lambda: left >= right,
        3: lambda: left <= right,
        4: lambda: left > right,
        5: lambda: left < right,
        6: lambda: wanted in text,
        7: lambda: left != right,
        10: lambda: text.startswith(wanted),
        11: lambda: wanted not in text,
        12: lambda: not text.startswith(wanted),
        13: lambda: text.endswith(wanted),
        14: lambda: not text.endswith(wanted),
        15: lambda: wanted in text,
    }
    if operator not in checks:
        raise QueryError(f"Operator type {operator} is unknown.")
    return checks[operator]()


def _reader(definition: Definition, field_id: str) -> Callable[[Any], Any]:
    try:
        field = definition.field(field_id)
    except KeyError:
        raise QueryError(f"Connector field '{field_id}' not found") from None
    if field.data_type == "date":
        return _date_key
    return _value(field.data_type)


def _operator(code: str) -> int:
    if not code.strip().isdigit():
        raise QueryError("An unexpected error has occurred.")
    return int(code)


def _groups(params: Mapping[str, str]) -> list[list[tuple[str, str, str]]]:
    """The call's filter as groups of (field, operator, value): any group, all in one."""
    if params.get("filterjson"):
        try:
            filters = json.loads(params["filterjson"])["Filters"]["Filter"]
            return [
                [
                    (f["@FieldId"], str(f["@OperatorType"]), str(f.get("#text", "")))
                    for f in item["Field"]
                ]
                for item in (filters if isinstance(filters, list) else [filters])
            ]
        except (ValueError, KeyError, TypeError):
            raise QueryError("An unexpected error has occurred.") from None
    ids = params.get("filterfieldids")
    if not ids:
        return []
    split = [
        ids.split(";"),
        params.get("filtervalues", "").split(";"),
        params.get("operatortypes", "").split(";"),
    ]
    if len({len(part) for part in split}) != 1:
        raise QueryError("An unexpected error has occurred.")
    groups = []
    for fields, texts, ops in zip(*split, strict=True):
        names, wanted, codes = fields.split(","), texts.split(","), ops.split(",")
        if not len(names) == len(wanted) == len(codes):
            raise QueryError("An unexpected error has occurred.")
        groups.append(list(zip(names, codes, wanted, strict=True)))
    return groups


def apply_filters(
    definition: Definition, rows: Sequence[Mapping[str, Any]], params: Mapping[str, str]
) -> list[Mapping[str, Any]]:
    """The rows that pass the call's filters (``filterfieldids`` and the rest, or
    ``filterjson``: fields in a filter all hold, any filter will do).

    :raises QueryError: for a field the GetConnector lacks ("Connector field 'X' not
        found"), lists of different lengths or a malformed JSON filter.
    """
    groups = [
        [(name, _reader(definition, name), _operator(code), value) for name, code, value in group]
        for group in _groups(params)
    ]
    if not groups:
        return list(rows)

    def passes(row: Mapping[str, Any]) -> bool:
        return any(
            all(
                _compare(code, read(row.get(name)), read(value))
                for name, read, code, value in group
            )
            for group in groups
        )

    return [row for row in rows if passes(row)]


def sort_rows(
    definition: Definition, rows: Sequence[Mapping[str, Any]], order_by: str | None
) -> list[Mapping[str, Any]]:
    """``rows`` in the order of ``orderbyfieldids`` (stable; nulls first)."""
    ordered = list(rows)
    if not order_by:
        return ordered
    for item in reversed(order_by.split(",")):
        descending = item.startswith("-")
        name = item.removeprefix("-")
        read = _reader(definition, name)

        def key(
            row: Mapping[str, Any], read: Callable[[Any], Any] = read, name: str = name
        ) -> tuple[int, Any]:
            value = read(row.get(name))
            return (0, "") if value is None else (1, value)

        ordered.sort(key=key, reverse=descending)
    return ordered
