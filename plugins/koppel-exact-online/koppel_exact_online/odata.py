"""Exact Online's OData v2 literals: ``/Date(ms)/`` dates, padded codes, filter values, and
payload values as JSON."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from koppel.errors import SourceRecordError

__all__ = [
    "CODE_WIDTH",
    "any_of",
    "format_date",
    "guid",
    "jsonable",
    "pad_code",
    "parse_date",
    "quote",
    "timestamp",
    "timestamp_filter",
    "unpad_code",
]

#: Account codes are fixed-width numeric strings, right-aligned with spaces.
CODE_WIDTH = 18

_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def parse_date(value: Any) -> datetime | None:
    """``"/Date(1672531200000)/"`` -> an aware datetime (UTC); None stays None.

    Exact writes milliseconds since the epoch; an optional ``+hhmm`` offset is applied.

    :raises ValueError: for any other text.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    match = _DATE.match(str(value))
    if not match:
        raise ValueError(f"not an OData date: {value!r}")
    moment = datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    if match.group(2):
        sign = 1 if match.group(2)[0] == "+" else -1
        hours, minutes = int(match.group(2)[1:3]), int(match.group(2)[3:5])
        moment -= sign * timedelta(hours=hours, minutes=minutes)
    return moment


def format_date(value: date | datetime) -> str:
    """A date as Exact's ``/Date(ms)/`` (a date is midnight UTC)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"/Date({int(value.timestamp() * 1000)})/"


def pad_code(code: Any) -> str:
    """An account code as Exact stores it: right-aligned in 18 characters.

    :raises ValueError: when the code is empty or longer than 18 characters.
    """
    text = str(code).strip()
    if not text:
        raise ValueError("an account code cannot be empty")
    if len(text) > CODE_WIDTH:
        raise ValueError(f"account code {text!r} is longer than {CODE_WIDTH} characters")
    return text.rjust(CODE_WIDTH)


def unpad_code(code: Any) -> str | None:
    """An account code without its padding (None stays None)."""
    return None if code is None else str(code).strip()


def quote(value: Any) -> str:
    """A value as an OData v2 literal: strings quoted with ``''`` escaping, guids typed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("'", "''")
    return f"'{text}'"


def guid(value: str) -> str:
    """A guid literal: ``guid'…'``."""
    return f"guid'{value}'"


def any_of(field: str, values: Iterable[Any], *, literal: Any = quote) -> str:
    """``field eq v1 or field eq v2 …`` (OData v2 has no ``in``)."""
    return " or ".join(f"{field} eq {literal(v)}" for v in values)


def timestamp_filter(cursor: str | int | None) -> str:
    """The Sync API filter after ``cursor``: ``Timestamp gt <n>L`` (``1`` on a first read)."""
    value = int(cursor) if cursor not in (None, "") else 1
    return f"Timestamp gt {value}L"


def jsonable(value: Any) -> Any:
    """``value`` with Decimals as numbers and dates as ISO text, ready for JSON."""
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def timestamp(row: Mapping[str, Any]) -> int:
    """A Sync API row's ``Timestamp`` (a row version, no date); 0 when it has none.

    :raises SourceRecordError: when it is no whole number.
    """
    value = row.get("Timestamp")
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SourceRecordError("Timestamp is not a whole number", field="Timestamp")
    try:
        return int(value)
    except ValueError:
        raise SourceRecordError("Timestamp is not a whole number", field="Timestamp") from None
