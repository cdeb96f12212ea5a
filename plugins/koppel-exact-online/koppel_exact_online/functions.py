"""Mapping functions for Exact Online's number conventions (hook ``mapping_functions``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from koppel.records import to_decimal

__all__ = ["FUNCTIONS", "exact_amount", "exact_percent"]

_CENT = Decimal("0.01")


def exact_percent(value: Any) -> Decimal | None:
    """Exact's fractions (``VATPercentage`` 0.21, ``Discount`` 0.055) as percentages (21, 5.5)."""
    if value is None or value == "":
        return None
    return (to_decimal(value) * 100).normalize()


def exact_amount(quantity: Any, unit_price: Any, discount_percentage: Any = None) -> Decimal:
    """A line amount: quantity x price less a discount percentage, rounded to cents."""
    amount = to_decimal(quantity if quantity is not None else 1) * to_decimal(unit_price or 0)
    if discount_percentage not in (None, ""):
        amount *= 1 - to_decimal(discount_percentage) / 100
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


#: The functions this plugin adds to mapping expressions.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exact_percent": exact_percent,
    "exact_amount": exact_amount,
}
