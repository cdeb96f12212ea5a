from datetime import date
from decimal import Decimal

import attrs
import pytest

from koppel.accounting import (
    AccountPlan,
    JournalLevel,
    check_balanced,
    journal_entry_from_order,
    round_money,
)
from koppel.errors import ConfigurationError, RecordError, ValidationError
from koppel.records import (
    Address,
    CostKind,
    CostLine,
    Customer,
    JournalEntry,
    JournalLine,
    JournalLineKind,
    Order,
    OrderLine,
    VatCalculation,
)

D = Decimal
K = JournalLineKind

ORDER = Order(
    number="1001",
    order_date=date(2024, 3, 1),
    customer=Customer(id="c-9", debtor_number="20001"),
    shipping_address=Address(country="NL"),
    lines=(
        OrderLine(sku="A", quantity=D(2), unit_price=D("10.00"), vat_rate=D(21)),
        OrderLine(sku="B", quantity=D(1), unit_price=D("5.00"), vat_rate=D(9)),
        OrderLine(sku="C", quantity=D(1), unit_price=D("30.00"), vat_rate=D(21)),
    ),
    costs=(
        CostLine(kind=CostKind.SHIPPING, amount=D("4.95"), vat_rate=D(21)),
        CostLine(kind=CostKind.FEE, amount=D("0.50"), vat_rate=D(21)),
        CostLine(kind=CostKind.DISCOUNT, amount=D("-5.00"), vat_rate=D(21)),
    ),
)
# 21%: 50 + 4.95 + 0.50 - 5.00 = 50.45 net, VAT per line 10.50 + 1.04 + 0.11 - 1.05 = 10.60
# 9%: 5.00 net, VAT 0.45. Total 50.45 + 5 + 10.60 + 0.45 = 66.50


def shape(entry):
    return [(line.kind, line.account, line.amount) for line in entry.lines]


def test_journal_entry_simple_is_one_line_against_the_debtor(plan):
    entry = journal_entry_from_order(ORDER, plan, JournalLevel.SIMPLE)
    assert shape(entry) == [(K.DEBTOR, "1300", D("66.50")), (K.REVENUE, "8000", D("-66.50"))]
    assert entry.lines[0].relation == "20001"
    assert (entry.journal, entry.reference, entry.entry_date) == ("MEM", "1001", date(2024, 3, 1))


def test_journal_entry_recommended_splits_revenue_and_vat_per_rate(plan):
    entry = journal_entry_from_order(ORDER, plan, "recommended")
    assert shape(entry) == [
        (K.DEBTOR, "1300", D("66.50")),
        (K.REVENUE, "8000", D("-5.00")),
        (K.REVENUE, "8000", D("-50.45")),
        (K.VAT, "1520", D("-0.45")),
        (K.VAT, "1510", D("-10.60")),
    ]
    assert [line.vat_code for line in entry.lines[1:]] == ["L", "H", "L", "H"]


def test_journal_entry_advanced_adds_a_line_per_cost_kind(plan):
    plan = attrs.evolve(plan, shipping_account="8400")
    entry = journal_entry_from_order(ORDER, plan, JournalLevel.ADVANCED)
    assert shape(entry) == [
        (K.DEBTOR, "1300", D("66.50")),
        (K.REVENUE, "8000", D("-5.00")),
        (K.REVENUE, "8000", D("-50.00")),
        (K.SHIPPING, "8400", D("-4.95")),
        (K.FEE, "8000", D("-0.50")),
        (K.DISCOUNT, "8000", D("5.00")),
        (K.VAT, "1520", D("-0.45")),
        (K.VAT, "1510", D("-10.60")),
    ]


def test_journal_entry_extreme_has_a_line_per_order_line(plan):
    entry = journal_entry_from_order(ORDER, plan, JournalLevel.EXTREME)
    revenue = [(line.description, line.amount) for line in entry.lines if line.kind is K.REVENUE]
    assert revenue == [("A", D("-20.00")), ("B", D("-5.00")), ("C", D("-30.00"))]
    assert len(entry.lines) == 1 + 3 + 3 + 2
    assert entry.balance == 0


def test_journal_entry_rejects_an_unknown_level(plan):
    with pytest.raises(ValueError, match="'detailed' is not a valid JournalLevel"):
        journal_entry_from_order(ORDER, plan, "detailed")


def test_journal_entry_books_a_small_difference_on_the_rounding_account(plan):
    order = attrs.evolve(ORDER, total_incl_vat=D("66.52"))
    entry = journal_entry_from_order(order, plan, JournalLevel.RECOMMENDED)
    assert entry.lines[0].amount == D("66.52")
    rounding = [line for line in entry.lines if line.kind is K.ROUNDING]
    assert [(line.account, line.amount) for line in rounding] == [("8999", D("-0.02"))]
    assert entry.balance == 0


def test_journal_entry_difference_at_the_threshold_is_still_rounding(plan):
    order = attrs.evolve(ORDER, total_incl_vat=D("66.45"))
    entry = journal_entry_from_order(order, plan)
    assert entry.lines[-1].amount == D("0.05")


def test_journal_entry_above_the_threshold_fails_showing_both_totals(plan):
    order = attrs.evolve(ORDER, total_incl_vat=D("66.56"), total_vat=D("11.05"))
    with pytest.raises(ValidationError) as caught:
        journal_entry_from_order(order, plan)
    message = str(caught.value)
    assert "more than the rounding threshold 0.05" in message
    assert "source vat 11.05, incl_vat 66.56" in message
    assert "computed excl_vat 55.45, vat 11.05, incl_vat 66.50" in message
    assert caught.value.context["record"] == "1001"


def test_journal_entry_threshold_is_configurable(plan):
    order = attrs.evolve(ORDER, total_incl_vat=D("66.60"))
    with pytest.raises(ValidationError):
        journal_entry_from_order(order, plan)
    entry = journal_entry_from_order(order, attrs.evolve(plan, rounding_threshold="0.10"))
    assert entry.lines[-1].amount == D("-0.10")


def test_journal_entry_checks_every_total_the_source_gives(plan):
    # incl. agrees, but the VAT split does not
    order = attrs.evolve(ORDER, total_incl_vat=D("66.50"), total_vat=D("10.95"))
    with pytest.raises(ValidationError, match=r"source vat 10\.95"):
        journal_entry_from_order(order, plan)


def test_account_plan_rejects_a_negative_threshold():
    with pytest.raises(ConfigurationError, match="must not be negative"):
        AccountPlan(
            debtor_account="1", revenue_account="2", vat_account="3", rounding_account="4",
            rounding_threshold="-0.01",
        )  # fmt: skip


def test_journal_entry_per_line_and_per_total_differ_for_2_x_7_50_at_23(plan):
    plan = attrs.evolve(plan, vat_codes=None)
    lines = (OrderLine(unit_price=D("7.50"), vat_rate=D(23)),) * 2
    per_line = journal_entry_from_order(Order(lines=lines), plan)
    per_total = journal_entry_from_order(
        Order(lines=lines, vat_calculation=VatCalculation.PER_TOTAL), plan
    )
    assert [line.amount for line in per_line.lines] == [D("18.46"), D("-15.00"), D("-3.46")]
    assert [line.amount for line in per_total.lines] == [D("18.45"), D("-15.00"), D("-3.45")]


def test_journal_entry_oss_uses_the_destination_countrys_ledger_and_code(plan):
    order = Order(
        shipping_address=Address(country="DE"),
        lines=(OrderLine(unit_price=D("100"), vat_rate=D(19)),),
    )
    entry = journal_entry_from_order(order, plan)
    assert [(line.account, line.vat_code) for line in entry.lines[1:]] == [
        ("8020", "DE19"),
        ("1500", "DE19"),
    ]


def test_journal_entry_missing_vat_code_row_is_a_record_error(plan):
    order = Order(
        shipping_address=Address(country="FR"),
        lines=(OrderLine(unit_price=D("100"), vat_rate=D(20)),),
    )
    with pytest.raises(RecordError, match="table vat_codes has no row for VAT rate 20%"):
        journal_entry_from_order(order, plan)


def test_journal_entry_without_tables_uses_the_sources_codes_and_rate_accounts(plan):
    plan = attrs.evolve(
        plan, vat_codes=None, revenue_accounts=None, revenue_accounts_by_rate={"9.00": "8010"}
    )
    order = Order(lines=(OrderLine(unit_price=D(10), vat_rate=D(9), vat_code="V9"),))
    entry = journal_entry_from_order(order, plan)
    assert [(line.account, line.vat_code) for line in entry.lines[1:]] == [
        ("8010", "V9"),
        ("1500", "V9"),
    ]


def test_journal_entry_drops_zero_lines_but_keeps_the_debtor(plan):
    order = Order(lines=(OrderLine(unit_price=D(10), vat_rate=D(0)),))
    entry = journal_entry_from_order(order, plan)
    assert shape(entry) == [(K.DEBTOR, "1300", D("10.00")), (K.REVENUE, "8000", D("-10.00"))]


def test_journal_entry_relation_argument_wins(plan):
    entry = journal_entry_from_order(ORDER, plan, relation="99999")
    assert entry.lines[0].relation == "99999"


# Multi-currency: 2 x 7.50 at 23% in USD, company currency EUR at 0.9137.
# Per line: debtor 18.46 -> 16.87, revenue -7.50 -> -6.85 (twice), VAT -3.46 -> -3.16: sum 0.01.
USD_ORDER = Order(
    number="US-1",
    currency="USD",
    exchange_rate=D("0.9137"),
    lines=(OrderLine(unit_price=D("7.50"), vat_rate=D(23)),) * 2,
)


def test_journal_entry_multi_currency_needs_the_rounding_step(plan):
    plan = attrs.evolve(plan, vat_codes=None, company_currency="EUR")
    entry = journal_entry_from_order(USD_ORDER, plan, JournalLevel.EXTREME)
    assert entry.balance == 0
    booked = [line for line in entry.lines if line.kind is not K.ROUNDING]
    assert sum(line.amount for line in booked) == 0
    naive = [round_money(line.amount * D("0.9137")) for line in booked]
    assert [line.amount_company for line in booked] == naive
    assert sum(naive) == D("0.01")  # would not balance in EUR without the rounding line
    (rounding,) = [line for line in entry.lines if line.kind is K.ROUNDING]
    assert (rounding.account, rounding.amount, rounding.amount_company) == ("8999", 0, D("-0.01"))
    assert sum(line.amount_company for line in entry.lines) == 0
    assert (entry.currency, entry.exchange_rate) == ("USD", D("0.9137"))


def test_journal_entry_multi_currency_merges_into_the_source_rounding_line(plan):
    plan = attrs.evolve(plan, vat_codes=None, company_currency="EUR")
    order = attrs.evolve(USD_ORDER, total_incl_vat=D("18.47"))
    entry = journal_entry_from_order(order, plan, JournalLevel.EXTREME)
    (rounding,) = [line for line in entry.lines if line.kind is K.ROUNDING]
    assert rounding.amount == D("-0.01")
    assert sum(line.amount_company for line in entry.lines) == 0
    assert entry.balance == 0


def test_journal_entry_same_currency_gets_no_company_amounts(plan):
    entry = journal_entry_from_order(ORDER, attrs.evolve(plan, company_currency="eur"))
    assert entry.exchange_rate is None
    assert all(line.amount_company is None for line in entry.lines)


@pytest.mark.parametrize("rate", [None, D(0), D("-1.1")])
def test_journal_entry_foreign_currency_needs_a_positive_rate(plan, rate):
    plan = attrs.evolve(plan, vat_codes=None, company_currency="EUR")
    with pytest.raises(ValidationError, match="needs a positive exchange rate to EUR"):
        journal_entry_from_order(attrs.evolve(USD_ORDER, exchange_rate=rate), plan)


def test_check_balanced_accepts_a_balanced_entry():
    entry = JournalEntry(lines=(JournalLine(account="1", amount=D(1)),
                                JournalLine(account="2", amount=D(-1))))  # fmt: skip
    assert check_balanced(entry) is entry


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([("1", "1.00", None), ("2", "-0.99", None)], "lines sum to 0.01 EUR"),
        ([("1", "1.005", None), ("2", "-1.005", None)], "not whole cents"),
        ([("1", "1", "0.9"), ("2", "-1", None)], "on some lines only"),
        ([("1", "1", "0.91"), ("2", "-1", "-0.90")], "company currency: lines sum to 0.01"),
    ],
)
def test_check_balanced_refuses_an_unbalanced_entry(lines, message):
    entry = JournalEntry(
        reference="X",
        lines=tuple(
            JournalLine(account=a, amount=D(x), amount_company=None if c is None else D(c))
            for a, x, c in lines
        ),
    )
    with pytest.raises(ValidationError, match=message):
        check_balanced(entry)


def test_journal_entry_refuses_an_order_with_nothing_to_book(plan):
    empty = attrs.evolve(ORDER, lines=(), costs=())
    with pytest.raises(ValidationError, match="no lines and no costs") as info:
        journal_entry_from_order(empty, plan)
    assert info.value.context["field"] == "lines"


def test_journal_entry_books_an_order_of_costs_only(plan):
    fee_only = attrs.evolve(ORDER, lines=(), costs=ORDER.costs[:1])
    entry = journal_entry_from_order(fee_only, plan)
    assert entry.balance == 0 and any(line.amount for line in entry.lines)
