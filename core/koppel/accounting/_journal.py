"""Financial mutations: an order booked as a balanced journal entry (*memoriaalboeking*).

Signs follow :class:`~koppel.records.JournalLine`: debit positive, credit
negative. The debtor line debits the source's order total; revenue, costs and
VAT are credited (a discount is a debit); a difference between the source's
total and the computed one, up to the plan's threshold, is its own line on the
rounding account.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from koppel.accounting._balance import check_balanced, convert_lines
from koppel.accounting._money import ZERO
from koppel.accounting._plan import AccountPlan, JournalLevel
from koppel.accounting._reconcile import reconcile_totals
from koppel.accounting._tables import tax_country
from koppel.accounting._totals import AmountLine, OrderTotals, compute_totals
from koppel.errors import ValidationError
from koppel.records import CostKind, JournalEntry, JournalLine, JournalLineKind, Order

__all__ = ["journal_entry_from_order"]

_KIND_COST = {
    JournalLineKind.SHIPPING: CostKind.SHIPPING,
    JournalLineKind.FEE: CostKind.FEE,
    JournalLineKind.DISCOUNT: CostKind.DISCOUNT,
}


def journal_entry_from_order(
    order: Order,
    plan: AccountPlan,
    level: JournalLevel | str = JournalLevel.RECOMMENDED,
    *,
    relation: str | None = None,
) -> JournalEntry:
    """Book ``order`` as a journal entry at ``level``, balanced in every currency.

    :param relation: the debtor put on the debtor line; defaults to the
        customer's debtor number, else its id.
    :raises ValidationError: when the order has no lines and no costs, the
        source's totals differ from the computed ones by more than
        ``plan.rounding_threshold``, a VAT rate is missing, or the exchange rate
        to the company currency is missing or not positive.
    :raises RecordError: when a lookup table has no row for a VAT rate or country.
    """
    if not order.lines and not order.costs:
        raise ValidationError(
            "the order has no lines and no costs: there is nothing to book", field="lines"
        )
    level = JournalLevel(level)
    exchange_rate = _company_rate(order, plan)
    totals = compute_totals(order, rounding=plan.rounding)
    difference = reconcile_totals(
        order, totals, threshold=plan.rounding_threshold, rounding=plan.rounding
    )
    country = tax_country(order, home_country=plan.home_country, oss=plan.oss)
    customer = order.customer
    debtor = relation or (customer.debtor_number or customer.id if customer else None)
    label = f"order {order.number or order.id or ''}".strip()
    lines = [
        JournalLine(
            account=plan.debtor_account,
            amount=totals.gross + difference,
            kind=JournalLineKind.DEBTOR,
            description=label,
            relation=debtor,
        )
    ]
    if level is JournalLevel.SIMPLE:
        lines.append(
            JournalLine(
                account=plan.revenue_account_for(None, country),
                amount=-(totals.gross + difference),
                kind=JournalLineKind.REVENUE,
                description=label,
            )
        )
    else:
        lines.extend(_credit_lines(totals, plan, level, country))
        if difference:
            lines.append(
                JournalLine(
                    account=plan.rounding_account,
                    amount=-difference,
                    kind=JournalLineKind.ROUNDING,
                    description="rounding difference with the source's total",
                )
            )
    booked = tuple(line for line in lines if line.amount or line.kind is JournalLineKind.DEBTOR)
    if exchange_rate is not None:
        booked = convert_lines(
            booked, exchange_rate, rounding_account=plan.rounding_account, rounding=plan.rounding
        )
    entry = JournalEntry(
        entry_date=order.order_date,
        journal=plan.journal,
        description=label,
        reference=order.number or order.id,
        currency=order.currency,
        exchange_rate=exchange_rate,
        lines=booked,
    )
    return check_balanced(entry)


def _credit_lines(
    totals: OrderTotals, plan: AccountPlan, level: JournalLevel, country: str
) -> Iterator[JournalLine]:
    """Revenue, cost and VAT lines (credits) for the levels above simple."""
    vat_codes = {
        g.vat_rate: _vat_code(totals, plan, g.vat_rate, country) for g in totals.vat_groups
    }
    if level is JournalLevel.RECOMMENDED:
        for group in totals.vat_groups:
            yield _revenue(
                plan,
                JournalLineKind.REVENUE,
                group.net,
                group.vat_rate,
                country,
                vat_codes[group.vat_rate],
                f"revenue {group.vat_rate}% VAT",
            )
    elif level is JournalLevel.ADVANCED:
        kinds = [JournalLineKind.REVENUE, *_KIND_COST]
        for kind in kinds:
            for group in totals.vat_groups:
                rate = group.vat_rate
                net = sum(
                    (x.net for x in totals.lines if x.kind is kind and x.vat_rate == rate), ZERO
                )
                yield _revenue(
                    plan, kind, net, rate, country, vat_codes[rate], f"{kind.value} {rate}% VAT"
                )
    else:
        for line in totals.lines:
            yield _revenue(
                plan,
                line.kind,
                line.net,
                line.vat_rate,
                country,
                vat_codes[line.vat_rate],
                _describe(line),
            )
    for group in totals.vat_groups:
        code = vat_codes[group.vat_rate]
        yield JournalLine(
            account=plan.vat_accounts.get(code, plan.vat_account) if code else plan.vat_account,
            amount=-group.vat,
            kind=JournalLineKind.VAT,
            description=f"VAT {group.vat_rate}%",
            vat_code=code,
            vat_rate=group.vat_rate,
        )


def _revenue(
    plan: AccountPlan,
    kind: JournalLineKind,
    net: Decimal,
    rate: Decimal,
    country: str,
    vat_code: str | None,
    description: str,
) -> JournalLine:
    cost_kind = _KIND_COST.get(kind)
    account = plan.cost_account(cost_kind) if cost_kind else None
    return JournalLine(
        account=account or plan.revenue_account_for(rate, country),
        amount=-net,
        kind=kind,
        description=description,
        vat_code=vat_code,
        vat_rate=rate,
    )


def _describe(line: AmountLine) -> str:
    if line.kind is JournalLineKind.REVENUE:
        return line.description or f"line {line.index + 1}"
    return line.description or line.kind.value


def _vat_code(totals: OrderTotals, plan: AccountPlan, rate: Decimal, country: str) -> str | None:
    if plan.vat_codes is not None:
        return plan.vat_codes.lookup(rate, country)
    return next((x.vat_code for x in totals.lines if x.vat_rate == rate and x.vat_code), None)


def _company_rate(order: Order, plan: AccountPlan) -> Decimal | None:
    """The exchange rate to book company amounts with, or None when no conversion is needed."""
    company = plan.company_currency
    if company is None or company.upper() == order.currency.upper():
        return None
    rate = order.exchange_rate
    if rate is None or rate <= 0:
        raise ValidationError(
            f"order in {order.currency} needs a positive exchange rate to {company}, got {rate}",
            record=order.number or order.id,
            entity="orders",
            field="exchange_rate",
        )
    return rate
