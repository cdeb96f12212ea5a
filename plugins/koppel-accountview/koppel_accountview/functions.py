"""Mapping functions the AccountView mappings use (registered through ``mapping_functions``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from koppel.records import to_decimal

__all__ = ["FUNCTIONS", "each_with", "postcode", "text", "vat_key", "vat_percent"]

_NL_POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})\s*$")


def each_with(items: Any, extra: Any) -> list[Any] | None:
    """Every object of ``items`` with the fields of ``extra`` added (its own fields win).

    Lets a list's sub-mapping see a value of the whole record, such as the
    order's country for a VAT code per country.
    """
    if items is None:
        return None
    if not isinstance(items, list) or not isinstance(extra, Mapping):
        raise TypeError("expected an array of objects and an object")
    return [{**extra, **item} if isinstance(item, Mapping) else item for item in items]


def vat_percent(rate: Any) -> str | None:
    """A VAT rate as a percentage without trailing zeros: ``"0.21"`` and ``"21.0"`` -> ``"21"``.

    A rate below 1 is taken as a fraction. Null when the rate is missing.
    """
    if rate is None or rate == "":
        return None
    percent = to_decimal(rate)
    if 0 < percent < 1:
        percent *= 100
    return format(percent.normalize(), "f") if percent else "0"


def vat_key(country: Any, rate: Any) -> str | None:
    """The ``vat_codes`` lookup key ``COUNTRY:RATE``: ``("nl", "0.21")`` -> ``"NL:21"``.

    Null when either part is missing.
    """
    percent = vat_percent(rate)
    if country is None or percent is None or country == "":
        return None
    return f"{str(country).strip().upper()}:{percent}"


def postcode(value: Any, country: Any = None) -> str | None:
    """A postcode as AccountView keeps it: Dutch ones as ``1234 AB``, others trimmed."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    match = _NL_POSTCODE.match(value)
    if match and (country in (None, "", "NL")):
        return f"{match.group(1)} {match.group(2).upper()}"
    return value.strip()


def text(value: Any, length: Any) -> str | None:
    """A free text (a description, never a key) cut to the ``length`` characters its
    AccountView field holds, without trailing blanks; null stays null."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    size = int(length)
    if size < 1:
        raise ValueError(f"expected a length of at least 1, got {length!r}")
    return value[:size].rstrip()


#: The functions by the names mappings call them.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "accountview_each_with": each_with,
    "accountview_vat_key": vat_key,
    "accountview_vat_percent": vat_percent,
    "accountview_postcode": postcode,
    "accountview_text": text,
}
