"""AccountView.net's wire format: typed values, the write envelope, rows in read answers.

A write is a table definition (field names with type letters) followed by
positional values, with detail rows linked to their header by ``RowId`` /
``HeaderId``::

    {"BookDate": "...", "BusinessObject": "SO1",
     "Table": {"Definition": {"Name": "SO_HDR",
                              "Fields": [{"Name": "RowId", "FieldType": "C"}, ...]},
               "DetailDefinitions": [{"Name": "SO_LINE", "Fields": [...]}]},
     "TableData": {"Data": {"Rows": [{"Values": ["1", ...]}]},
                   "DetailData": [{"Rows": [{"Values": ["1", "1", ...]}]}]}}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from koppel.errors import MappingRecordError, SourceRecordError, TransientError
from koppel.records import to_date, to_datetime, to_decimal
from koppel_accountview.facts import max_length
from koppel_accountview.schema import Table

__all__ = [
    "build_write",
    "decode_value",
    "encode_value",
    "format_datetime",
    "present",
    "read_rows",
    "read_write",
]

_NUMERIC = ("N", "Y", "B")


def format_datetime(value: datetime | date) -> str:
    """A date-time as AccountView.net takes it: ``2024-05-01T10:00:00.000Z`` (UTC)."""
    moment = to_datetime(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def present(fields: Mapping[str, Any] | None) -> dict[str, Any]:
    """The fields that have a value: a write never blanks a field AccountView has filled."""
    return {k: v for k, v in (fields or {}).items() if v is not None and v != ""}


def encode_value(type_letter: str, value: Any, *, field: str) -> Any:
    """``value`` as JSON for a field of type ``type_letter``; None stays None.

    Numbers go out as JSON numbers through their exact decimal text.

    :raises MappingRecordError: naming the field when the value does not fit the type.
    """
    if value is None:
        return None
    try:
        if type_letter in _NUMERIC:
            return _json_number(to_decimal(value))
        if type_letter == "I":
            number = to_decimal(value)
            if number != number.to_integral_value():
                raise ValueError(f"expected a whole number, got {value!r}")
            return int(number)
        if type_letter == "T":
            return format_datetime(to_datetime(value))
        if type_letter == "D":
            return to_date(value).isoformat()
        if type_letter == "L":
            if not isinstance(value, bool):
                raise TypeError(f"expected true or false, got {value!r}")
            return value
        return value if isinstance(value, str) else str(value)
    except (TypeError, ValueError) as exc:
        raise MappingRecordError(f"AccountView field {field}: {exc}", field=field) from exc


def decode_value(type_letter: str, value: Any) -> Any:
    """A value read from AccountView.net, as koppel keeps it: numbers as Decimal, text
    without the blanks of FoxPro's fixed-width fields, an empty text or date as None.

    :raises ValueError: when a numeric field holds no number.
    """
    if isinstance(value, str):
        value = value.rstrip() if type_letter == "M" else value.strip()
    if value is None or value == "":
        return None
    if type_letter in _NUMERIC or type_letter == "I":
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        return to_decimal(value)
    return value


def _json_number(value: Decimal) -> int | float:
    """An exact decimal as a JSON number: ints stay ints, others go through their text."""
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    number = float(str(value))
    if Decimal(repr(number)) != value:
        raise ValueError(f"{value} has more digits than a JSON number keeps")
    return number


def _encode(table: Table, name: str, value: Any) -> Any:
    """``value`` encoded for ``table.name``; text longer than the field holds is refused,
    never cut (a cut match key such as ``DJ_PAGE.INV_NR`` would not be found again).

    :raises MappingRecordError: naming the field.
    """
    encoded = encode_value(table.field(name).type, value, field=name)
    limit = max_length(table.name, name)
    if isinstance(encoded, str) and limit is not None and len(encoded) > limit:
        raise MappingRecordError(
            f"AccountView field {table.name}.{name} holds {limit} characters; "
            f"{encoded!r} has {len(encoded)}",
            field=name,
        )
    return encoded


def _definition(table: Table, names: Sequence[str], *, detail: bool) -> dict[str, Any]:
    fields = [{"Name": "RowId", "FieldType": "C"}]
    if detail:
        fields.append({"Name": "HeaderId", "FieldType": "C"})
    fields.extend({"Name": name, "FieldType": table.field(name).type} for name in names)
    return {"Name": table.name, "Fields": fields}


def _names(table: Table, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    names: list[str] = []
    for row in rows:
        for name in row:
            if name not in table.fields:
                raise MappingRecordError(
                    f"{name} is not a known field of AccountView table {table.name} "
                    f"(known: {', '.join(table.fields)}); see koppel_accountview/schema.py",
                    field=name,
                )
            if name not in names:
                names.append(name)
    return names


def build_write(
    table: Table,
    header: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] = (),
    *,
    book_date: datetime,
) -> dict[str, Any]:
    """The POST body that writes one header row (and its detail rows) of ``table``.

    :raises MappingRecordError: naming a field the table does not have or a value
        that does not fit its type.
    """
    header_names = _names(table, [header])
    values = ["1"] + [_encode(table, n, header.get(n)) for n in header_names]
    body: dict[str, Any] = {
        "BookDate": format_datetime(book_date),
        "BusinessObject": table.business_object,
        "Table": {"Definition": _definition(table, header_names, detail=False)},
        "TableData": {"Data": {"Rows": [{"Values": values}]}},
    }
    if table.detail is not None and lines:
        detail = table.detail
        line_names = _names(detail, lines)
        rows = [
            {"Values": [str(index), "1"] + [_encode(detail, n, line.get(n)) for n in line_names]}
            for index, line in enumerate(lines, start=1)
        ]
        body["Table"]["DetailDefinitions"] = [_definition(detail, line_names, detail=True)]
        body["TableData"]["DetailData"] = [{"Rows": rows}]
    elif lines:
        raise MappingRecordError(f"AccountView table {table.name} has no detail lines")
    return body


def read_rows(body: Any, table: Table) -> list[dict[str, Any]]:
    """The rows of ``table`` in a read answer ``{"<TABLE>": [...]}``, values decoded
    (:func:`decode_value`).

    A single row sent as an object instead of a list is accepted, as the
    public clients do. Field names are matched case-insensitively.

    :raises SourceRecordError: naming the table, field and row of a value that does
        not decode (a number field holding text).
    """
    if not isinstance(body, Mapping):
        raise TransientError(f"AccountView answered {type(body).__name__}, expected an object")
    found = next((v for k, v in body.items() if k.upper() == table.name), None)
    if found is None:
        return []
    rows = [found] if isinstance(found, Mapping) else found
    if not isinstance(rows, list):
        raise TransientError(f"AccountView's {table.name} is not a list of rows")
    decoded = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise TransientError(f"AccountView's {table.name}[{index}] is not an object")
        clean: dict[str, Any] = {}
        for name, value in row.items():
            field = table.fields.get(name.upper())
            try:
                clean[name.upper()] = decode_value(field.type, value) if field else value
            except (TypeError, ValueError) as exc:
                key = str(row.get(table.key) or "").strip() or f"row {index}"
                raise SourceRecordError(
                    f"AccountView {table.name}.{name.upper()} of {key}: {exc}",
                    field=f"{table.name}.{name.upper()}",
                    record=str(key),
                ) from exc
        decoded.append(clean)
    return decoded


def _case_get(data: Mapping[str, Any], key: str) -> Any:
    return next((v for k, v in data.items() if k.lower() == key.lower()), None)


def _rows_of(definition: Any, data: Any, what: str) -> list[dict[str, Any]]:
    fields = _case_get(definition, "Fields") if isinstance(definition, Mapping) else None
    rows = _case_get(data, "Rows") if isinstance(data, Mapping) else None
    if not isinstance(fields, list) or not isinstance(rows, list):
        raise ValueError(f"{what}: needs Fields and Rows")
    names = [str(_case_get(f, "Name")) for f in fields]
    result = []
    for row in rows:
        values = _case_get(row, "Values")
        if not isinstance(values, list) or len(values) != len(names):
            raise ValueError(
                f"{what}: a row has {len(values or [])} values for {len(names)} fields"
            )
        result.append(dict(zip(names, values, strict=True)))
    return result


def read_write(
    body: Any,
) -> tuple[str, str, list[dict[str, Any]], str | None, list[dict[str, Any]]]:
    """Take a write envelope apart (the sandbox's side of :func:`build_write`).

    :return: business object, header table name, header rows, detail table name
        (or None) and detail rows, each row a dict by field name.
    :raises ValueError: describing what is malformed.
    """
    if not isinstance(body, Mapping):
        raise ValueError("the body must be a JSON object")
    business_object = _case_get(body, "BusinessObject")
    table = _case_get(body, "Table")
    data = _case_get(body, "TableData")
    if not isinstance(business_object, str) or not isinstance(table, Mapping):
        raise ValueError("BusinessObject and Table are required")
    if not isinstance(data, Mapping):
        raise ValueError("TableData is required")
    definition = _case_get(table, "Definition")
    name = str(_case_get(definition, "Name")) if isinstance(definition, Mapping) else ""
    headers = _rows_of(definition, _case_get(data, "Data"), "TableData.Data")
    details = _case_get(table, "DetailDefinitions") or []
    detail_data = _case_get(data, "DetailData") or []
    if len(details) > 1 or len(details) != len(detail_data):
        raise ValueError("DetailDefinitions and DetailData must match, one detail table at most")
    if not details:
        return business_object, name, headers, None, []
    detail_name = str(_case_get(details[0], "Name"))
    lines = _rows_of(details[0], detail_data[0], "TableData.DetailData")
    return business_object, name, headers, detail_name, lines
