"""Stock to send to a target: the operator's formula, whether the target keeps stock, no negatives.

The named formulas are ``"available"`` (the default: on hand minus sales
reservations) and ``"on_hand"``; any other text is a formula over the stock
fields (:class:`~koppel.accounting.StockFormula`), for example
``"on_hand - reserved - 2"``.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from koppel.accounting._stock_formula import StockFormula
from koppel.errors import ValidationError
from koppel.records import StockLevel

__all__ = ["NAMED_STOCK_FORMULAS", "StockSettings", "stock_to_send"]

#: Formulas operators choose by name.
NAMED_STOCK_FORMULAS = {"available": "on_hand - reserved", "on_hand": "on_hand"}


def _compile(value: str | StockFormula) -> StockFormula:
    if isinstance(value, StockFormula):
        return value
    return StockFormula.parse(NAMED_STOCK_FORMULAS.get(value.strip(), value))


@attrs.frozen(kw_only=True)
class StockSettings:
    """Stock settings of a stock flow.

    :ivar formula: a named formula or formula text, compiled when the settings are made.
    :ivar manages_stock: False for a target that keeps no stock: nothing is sent.
    :ivar allow_negative: send a negative result as is instead of zero.
    """

    formula: StockFormula = attrs.field(
        default=attrs.Factory(lambda: _compile("available")), converter=_compile
    )
    manages_stock: bool = True
    allow_negative: bool = False


def stock_to_send(level: StockLevel, settings: StockSettings | None = None) -> Decimal | None:
    """The stock quantity to write to the target for ``level``, or None to send nothing.

    ``available`` in a formula is the level's own ``available`` when the source
    gave one, else on hand minus reserved. A negative result is sent as zero
    unless ``settings.allow_negative``.

    :raises ValidationError: naming the SKU when the formula divides by zero.
    """
    settings = settings or StockSettings()
    if not settings.manages_stock:
        return None
    values = {
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "available": level.available
        if level.available is not None
        else level.on_hand - level.reserved,
    }
    try:
        quantity = settings.formula.evaluate(values)
    except ZeroDivisionError:
        raise ValidationError(
            f"stock formula {settings.formula.text!r} divides by zero",
            record=level.sku,
            entity="stock",
        ) from None
    if quantity < 0 and not settings.allow_negative:
        return Decimal(0)
    return quantity
