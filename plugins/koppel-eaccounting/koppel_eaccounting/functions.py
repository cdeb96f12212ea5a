"""Mapping functions eAccounting's default mappings need (registered through ``mapping_functions``).

eAccounting answers a cleared text field as ``""`` (koppel's records keep null),
keeps a discount as a fraction (``0.1`` is 10 %) where koppel's records keep a
percentage, and writes a street line as one field where koppel's addresses keep
street, house number and addition apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from koppel.records import to_decimal

__all__ = ["FUNCTIONS", "ea_address", "ea_fraction", "ea_percent", "ea_row_amount", "ea_text"]

_HUNDRED = Decimal(100)
_ROMAN = re.compile(r"^[IVX]+$")


def ea_text(value: Any) -> str | None:
    """``ea_text(VatNumber)``: a text field trimmed; empty (eAccounting answers ``""`` for a
    field cleared in its screens, null for one never set) is null."""
    if value is None:
        return None
    text = (value if type(value) is str else str(value)).strip()
    return text or None


def ea_percent(fraction: Any) -> Decimal | None:
    """``ea_percent(DiscountPercentage)``: eAccounting's fraction as a percentage (0.1 -> 10)."""
    if fraction is None:
        return None
    return to_decimal(fraction) * _HUNDRED


def ea_fraction(percent: Any) -> Decimal | None:
    """``ea_fraction(discount_percentage)``: a percentage as eAccounting's fraction (10 -> 0.1)."""
    if percent is None:
        return None
    return to_decimal(percent) / _HUNDRED


def ea_row_amount(quantity: Any, unit_price: Any, discount: Any = None) -> Decimal | None:
    """``ea_row_amount(Quantity, UnitPrice, DiscountPercentage)``: a row's amount, rounded
    half up to cents; the discount is eAccounting's fraction."""
    if unit_price is None:
        return None
    fraction = to_decimal(discount) if discount is not None else Decimal(0)
    count = to_decimal(quantity) if quantity is not None else Decimal(1)
    amount = count * to_decimal(unit_price) * (1 - fraction)
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ea_address(street: Any, number: Any = None, addition: Any = None) -> str | None:
    """One street line: ``ea_address('Hoofdstraat', '12', 'a')`` -> ``Hoofdstraat 12a``.

    A one-letter addition is written right after the number (``12a``), a Roman
    floor number after a hyphen (``7-II``), any other after a space (``3 bis``);
    null parts are left out.
    """
    parts = [str(p).strip() for p in (street, number) if p is not None and str(p).strip()]
    line = " ".join(parts)
    extra = str(addition).strip() if addition is not None else ""
    if extra:
        if not parts:
            return extra
        if len(extra) == 1 and extra.isalpha():
            line += extra
        elif _ROMAN.match(extra):
            line += f"-{extra}"
        else:
            line += f" {extra}"
    return line or None


#: What the plugin registers, by name.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "ea_percent": ea_percent,
    "ea_fraction": ea_fraction,
    "ea_address": ea_address,
    "ea_row_amount": ea_row_amount,
    "ea_text": ea_text,
}
