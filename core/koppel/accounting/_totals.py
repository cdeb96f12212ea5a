"""An order's amounts per line and per VAT rate, computed the way the source computed them.

Amounts on an order line are in the order's price basis: including VAT when
``Order.prices_include_vat``, else excluding. That holds for ``unit_price``,
``OrderLine.total`` and ``CostLine.amount`` alike. A line amount is the
source's ``total`` when given, else ``quantity x unit_price x (1 - discount%)``
rounded to cents.

VAT is computed per line (each line's VAT rounded, then summed; a line's own
``vat_amount`` wins) or per total (the amounts of all lines and costs with
one rate summed, VAT computed and rounded once per rate, then spread over
the lines to the cent).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import attrs

from koppel.accounting._money import ZERO, allocate, round_money
from koppel.errors import ValidationError
from koppel.records import CostKind, JournalLineKind, Order, VatCalculation

__all__ = ["AmountLine", "OrderTotals", "VatGroup", "compute_totals"]

_HUNDRED = Decimal(100)

_COST_KINDS = {
    CostKind.SHIPPING: JournalLineKind.SHIPPING,
    CostKind.FEE: JournalLineKind.FEE,
    CostKind.DISCOUNT: JournalLineKind.DISCOUNT,
}


@attrs.frozen(kw_only=True)
class AmountLine:
    """One order line or cost line after VAT, in cents.

    ``kind`` is ``REVENUE`` for an order line, else the cost's kind;
    ``index`` its position in ``Order.lines`` or ``Order.costs``.
    """

    kind: JournalLineKind
    index: int
    vat_rate: Decimal
    net: Decimal
    vat: Decimal
    description: str | None = None
    vat_code: str | None = None

    @property
    def gross(self) -> Decimal:
        """Net plus VAT."""
        return self.net + self.vat


@attrs.frozen(kw_only=True)
class VatGroup:
    """Net amount and VAT of every line and cost with one VAT rate."""

    vat_rate: Decimal
    net: Decimal
    vat: Decimal


@attrs.frozen(kw_only=True)
class OrderTotals:
    """The computed amounts of an order: per line and per VAT rate (sorted by rate)."""

    lines: tuple[AmountLine, ...]
    vat_groups: tuple[VatGroup, ...]

    @property
    def net(self) -> Decimal:
        """Total excluding VAT."""
        return sum((g.net for g in self.vat_groups), ZERO)

    @property
    def vat(self) -> Decimal:
        """Total VAT."""
        return sum((g.vat for g in self.vat_groups), ZERO)

    @property
    def gross(self) -> Decimal:
        """Total including VAT."""
        return self.net + self.vat


@attrs.frozen
class _Priced:
    kind: JournalLineKind
    index: int
    amount: Decimal
    rate: Decimal
    description: str | None
    vat_code: str | None
    vat_amount: Decimal | None


def compute_totals(order: Order, *, rounding: str = ROUND_HALF_UP) -> OrderTotals:
    """Amounts per line and per VAT rate of ``order``, by the source's own VAT method.

    :param rounding: a :mod:`decimal` rounding mode for cents (default half up).
    :raises ValidationError: naming the line when a VAT rate is missing or out of range.
    """
    priced = list(_priced(order, rounding))
    include = order.prices_include_vat
    if order.vat_calculation is VatCalculation.PER_LINE:
        vats = [
            round_money(p.vat_amount, rounding)
            if p.vat_amount is not None
            else round_money(_exact_vat(p.amount, p.rate, include), rounding)
            for p in priced
        ]
    else:
        vats = [ZERO] * len(priced)
        for rate in {p.rate for p in priced}:
            members = [i for i, p in enumerate(priced) if p.rate == rate]
            base = sum((priced[i].amount for i in members), ZERO)
            group_vat = round_money(_exact_vat(base, rate, include), rounding)
            shares = [_exact_vat(priced[i].amount, rate, include) for i in members]
            for i, vat in zip(members, allocate(group_vat, shares), strict=True):
                vats[i] = vat
    lines = tuple(
        AmountLine(
            kind=p.kind,
            index=p.index,
            vat_rate=p.rate,
            net=p.amount - vat if include else p.amount,
            vat=vat,
            description=p.description,
            vat_code=p.vat_code,
        )
        for p, vat in zip(priced, vats, strict=True)
    )
    groups = tuple(
        VatGroup(
            vat_rate=rate,
            net=sum((line.net for line in lines if line.vat_rate == rate), ZERO),
            vat=sum((line.vat for line in lines if line.vat_rate == rate), ZERO),
        )
        for rate in sorted({line.vat_rate for line in lines})
    )
    return OrderTotals(lines=lines, vat_groups=groups)


def _exact_vat(amount: Decimal, rate: Decimal, include: bool) -> Decimal:
    if include:
        return amount * rate / (_HUNDRED + rate)
    return amount * rate / _HUNDRED


def _priced(order: Order, rounding: str) -> Iterator[_Priced]:
    for index, line in enumerate(order.lines):
        field = f"lines[{index}]"
        if line.total is not None:
            amount = round_money(line.total, rounding)
        else:
            factor = (_HUNDRED - line.discount_percentage) / _HUNDRED
            amount = round_money(line.quantity * line.unit_price * factor, rounding)
        yield _Priced(
            kind=JournalLineKind.REVENUE,
            index=index,
            amount=amount,
            rate=_rate(order, line.vat_rate, field),
            description=line.description or line.sku,
            vat_code=line.vat_code,
            vat_amount=line.vat_amount,
        )
    for index, cost in enumerate(order.costs):
        yield _Priced(
            kind=_COST_KINDS[cost.kind],
            index=index,
            amount=round_money(cost.amount, rounding),
            rate=_rate(order, cost.vat_rate, f"costs[{index}]"),
            description=cost.description or cost.kind.value,
            vat_code=cost.vat_code,
            vat_amount=None,
        )


def _rate(order: Order, rate: Decimal | None, field: str) -> Decimal:
    if rate is None:
        raise ValidationError(
            f"{field} has no VAT rate", record=order.number or order.id, field=f"{field}.vat_rate"
        )
    if not ZERO <= rate < _HUNDRED:
        raise ValidationError(
            f"{field} has VAT rate {rate}%, outside 0 to 100",
            record=order.number or order.id,
            field=f"{field}.vat_rate",
        )
    return Decimal(format(rate.normalize(), "f"))  # 21.00 -> 21, never 2E+1
