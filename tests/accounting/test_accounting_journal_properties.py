"""Property tests: every journal entry balances, reproduces the order total, rounds within bounds.

The expected order total comes from a deliberately plain re-implementation of
how a source computes it, not from koppel's own totals code.
"""

from decimal import ROUND_HALF_UP, Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koppel.accounting import AccountPlan, JournalLevel, journal_entry_from_order
from koppel.errors import ValidationError
from koppel.records import (
    CostKind,
    CostLine,
    JournalLineKind,
    Order,
    OrderLine,
    VatCalculation,
)

D = Decimal
CENT = D("0.01")
THRESHOLD = D("0.05")
# Dutch 0/9/21 plus foreign rates (DE 7/19, FR 5.5/20, IT 22, HU 27).
RATES = [D(0), D(9), D(21), D(7), D(19), D("5.5"), D(20), D(22), D(27)]

PLAN = AccountPlan(
    debtor_account="1300",
    revenue_account="8000",
    vat_account="1500",
    rounding_account="8999",
    shipping_account="8400",
    fee_account="8410",
    discount_account="8420",
    rounding_threshold=THRESHOLD,
)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def decimals(max_places: int, low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals between low and high with 0 to ``max_places`` decimals."""
    return st.integers(0, max_places).flatmap(
        lambda places: st.integers(low * 10**places, high * 10**places).map(
            lambda n: D(n).scaleb(-places)
        )
    )


order_lines = st.builds(
    OrderLine,
    sku=st.text("ABC123", min_size=1, max_size=5),
    quantity=decimals(3, 1, 25).filter(lambda q: q > 0),
    unit_price=decimals(4, 0, 500),
    discount_percentage=st.sampled_from([D(0), D(0), D(10), D("12.5")]),
    vat_rate=st.sampled_from(RATES),
)


@st.composite
def cost_lines(draw: st.DrawFn) -> tuple[CostLine, ...]:
    costs = []
    rate = st.sampled_from(RATES)
    if draw(st.booleans()):
        amount = draw(decimals(2, 0, 25))
        costs.append(CostLine(kind=CostKind.SHIPPING, amount=amount, vat_rate=draw(rate)))
    for _ in range(draw(st.integers(0, 2))):
        amount = draw(decimals(2, 0, 5))
        costs.append(CostLine(kind=CostKind.FEE, amount=amount, vat_rate=draw(rate)))
    if draw(st.booleans()):
        amount = -draw(decimals(2, 0, 30))
        costs.append(CostLine(kind=CostKind.DISCOUNT, amount=amount, vat_rate=draw(rate)))
    return tuple(costs)


orders = st.builds(
    Order,
    number=st.just("P-1"),
    lines=st.lists(order_lines, min_size=1, max_size=50).map(tuple),
    costs=cost_lines(),
    prices_include_vat=st.booleans(),
    vat_calculation=st.sampled_from(list(VatCalculation)),
)


def source_total(order: Order) -> Decimal:
    """The order total incl. VAT the way a web shop computes it."""
    amounts = [
        (cents(x.quantity * x.unit_price * (100 - x.discount_percentage) / 100), x.vat_rate)
        for x in order.lines
    ] + [(cents(c.amount), c.vat_rate) for c in order.costs]
    if order.prices_include_vat:
        return sum((a for a, _ in amounts), D(0))  # VAT is inside the prices
    if order.vat_calculation is VatCalculation.PER_LINE:
        vat = sum((cents(a * r / 100) for a, r in amounts), D(0))
    else:
        by_rate: dict[Decimal, Decimal] = {}
        for a, r in amounts:
            by_rate[r] = by_rate.get(r, D(0)) + a
        vat = sum((cents(base * r / 100) for r, base in by_rate.items()), D(0))
    return sum((a for a, _ in amounts), D(0)) + vat


@settings(max_examples=200, deadline=None)
@given(order=orders, level=st.sampled_from(list(JournalLevel)))
def test_journal_entry_balances_and_reproduces_the_order_total(order, level):
    total = source_total(order)
    entry = journal_entry_from_order(order, PLAN, level)
    assert entry.balance == 0
    assert all(line.amount == line.amount.quantize(CENT) for line in entry.lines)
    debtor = [line for line in entry.lines if line.kind is JournalLineKind.DEBTOR]
    assert [line.amount for line in debtor] == [total]
    others = [line.amount for line in entry.lines if line.kind is not JournalLineKind.DEBTOR]
    assert -sum(others, D(0)) == total  # revenue (and costs) plus VAT is the order total
    assert not [line for line in entry.lines if line.kind is JournalLineKind.ROUNDING]
    if level is not JournalLevel.SIMPLE:
        vat_lines = [line for line in entry.lines if line.kind is JournalLineKind.VAT]
        assert len({line.vat_rate for line in vat_lines}) == len(vat_lines)


@settings(max_examples=200, deadline=None)
@given(
    order=orders,
    level=st.sampled_from(list(JournalLevel)),
    off_by=st.integers(-8, 8).map(lambda n: D(n) * CENT),
)
def test_journal_entry_rounds_within_the_threshold_or_fails(order, level, off_by):
    stated = source_total(order) + off_by
    order = attrs.evolve(order, total_incl_vat=stated)
    if abs(off_by) > THRESHOLD:
        with pytest.raises(ValidationError, match=f"source incl_vat {stated}"):
            journal_entry_from_order(order, PLAN, level)
        return
    entry = journal_entry_from_order(order, PLAN, level)
    assert entry.balance == 0
    assert entry.lines[0].amount == stated
    rounding = [line for line in entry.lines if line.kind is JournalLineKind.ROUNDING]
    assert all(abs(line.amount) <= THRESHOLD for line in rounding)
    assert sum((line.amount for line in rounding), D(0)) == (0 if level == "simple" else -off_by)


@settings(max_examples=200, deadline=None)
@given(
    order=orders,
    level=st.sampled_from(list(JournalLevel)),
    rate=decimals(6, 0, 3).filter(lambda r: r > 0),
)
def test_journal_entry_balances_in_the_company_currency_too(order, level, rate):
    order = attrs.evolve(order, currency="USD", exchange_rate=rate)
    plan = attrs.evolve(PLAN, company_currency="EUR")
    entry = journal_entry_from_order(order, plan, level)
    assert entry.balance == 0
    assert sum(line.amount_company for line in entry.lines) == 0
    for line in entry.lines:
        if line.kind is not JournalLineKind.ROUNDING:
            assert line.amount_company == cents(line.amount * rate)
    rounding = [line for line in entry.lines if line.kind is JournalLineKind.ROUNDING]
    assert len(rounding) <= 1
    # converting line by line is off by at most half a cent per line
    assert all(abs(line.amount_company) <= CENT / 2 * len(entry.lines) for line in rounding)
