"""Compare an order's computed totals with the totals the source stated."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from koppel.accounting._money import round_money
from koppel.accounting._totals import OrderTotals
from koppel.errors import ValidationError
from koppel.records import Order

__all__ = ["DEFAULT_ROUNDING_THRESHOLD", "reconcile_totals"]

#: The largest source-versus-computed difference booked as rounding by default.
DEFAULT_ROUNDING_THRESHOLD = Decimal("0.05")


def reconcile_totals(
    order: Order,
    totals: OrderTotals,
    *,
    threshold: Decimal = DEFAULT_ROUNDING_THRESHOLD,
    rounding: str = ROUND_HALF_UP,
) -> Decimal:
    """The amount to book as rounding so that the entry reproduces the source's total.

    The source's total including VAT is ``Order.total_incl_vat`` when given,
    else its excl. total plus its VAT (each taken from the computation when
    the source left it out). Every total the source gives must be within
    ``threshold`` of the computed one.

    :return: source total incl. VAT minus computed total incl. VAT (zero when they agree).
    :raises ValidationError: (a totals-validation error) showing source and computed
        totals when a difference exceeds ``threshold``.
    """
    source_net = _given(order.total_excl_vat, rounding)
    source_vat = _given(order.total_vat, rounding)
    source_gross = _given(order.total_incl_vat, rounding)
    if source_gross is None:
        source_gross = (totals.net if source_net is None else source_net) + (
            totals.vat if source_vat is None else source_vat
        )
    pairs = {
        "excl_vat": (source_net, totals.net),
        "vat": (source_vat, totals.vat),
        "incl_vat": (source_gross, totals.gross),
    }
    too_far = [
        name
        for name, (source, computed) in pairs.items()
        if source is not None and abs(source - computed) > threshold
    ]
    if too_far:
        shown = {name: str(source) for name, (source, _) in pairs.items() if source is not None}
        computed = {name: str(value) for name, (_, value) in pairs.items()}
        stated = ", ".join(f"{k} {v}" for k, v in shown.items())
        ours = ", ".join(f"{k} {v}" for k, v in computed.items())
        raise ValidationError(
            f"order totals differ by more than the rounding threshold {threshold}: "
            f"source {stated}; computed {ours}",
            record=order.number or order.id,
            entity="orders",
            field="totals",
            source_totals=shown,
            computed_totals=computed,
        )
    return source_gross - totals.gross


def _given(value: Decimal | None, rounding: str) -> Decimal | None:
    return None if value is None else round_money(value, rounding)
