from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from koppel.accounting import compute_totals
from koppel.errors import ValidationError
from koppel.records import CostKind, CostLine, JournalLineKind, Order, OrderLine, VatCalculation

D = Decimal
PER_LINE, PER_TOTAL = VatCalculation.PER_LINE, VatCalculation.PER_TOTAL


def line(price, rate, quantity="1", **extra):
    return OrderLine(unit_price=D(price), vat_rate=D(rate), quantity=D(quantity), **extra)


# (name, lines, costs, prices include VAT, VAT method, net, VAT, gross)
KNOWN = [
    ("2 x 7.50 at 23% per line", [line("7.50", 23), line("7.50", 23)], [], False, PER_LINE,
     "15.00", "3.46", "18.46"),
    ("2 x 7.50 at 23% per total", [line("7.50", 23), line("7.50", 23)], [], False, PER_TOTAL,
     "15.00", "3.45", "18.45"),
    ("12.10 incl. 21%", [line("12.10", 21)], [], True, PER_LINE, "10.00", "2.10", "12.10"),
    ("3 x 1.00 incl. 21% per line", [line("1.00", 21)] * 3, [], True, PER_LINE,
     "2.49", "0.51", "3.00"),
    ("3 x 1.00 incl. 21% per total", [line("1.00", 21)] * 3, [], True, PER_TOTAL,
     "2.48", "0.52", "3.00"),
    ("10% discount on 3 x 9.99 at 9%",
     [line("9.99", 9, "3", discount_percentage=D(10))], [], False, PER_LINE,
     "26.97", "2.43", "29.40"),
    ("2.5 x 3.3333 at 0%", [line("3.3333", 0, "2.5")], [], False, PER_LINE, "8.33", "0.00", "8.33"),
    ("mixed rates, shipping and discount, per total",
     [line("100", 21), line("50", 9)],
     [CostLine(kind=CostKind.SHIPPING, amount=D("5"), vat_rate=D(21)),
      CostLine(kind=CostKind.DISCOUNT, amount=D("-10"), vat_rate=D(21))],
     False, PER_TOTAL, "145.00", "24.45", "169.45"),
    ("source line total and VAT amount win",
     [line("9.99", 21, "3", total=D("29.95"), vat_amount=D("6.28"))], [], False, PER_LINE,
     "29.95", "6.28", "36.23"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "costs", "include", "method", "net", "vat", "gross"),
    [case[1:] for case in KNOWN],
    ids=[case[0] for case in KNOWN],
)
def test_compute_totals_known_cases(lines, costs, include, method, net, vat, gross):
    order = Order(
        lines=tuple(lines), costs=tuple(costs), prices_include_vat=include, vat_calculation=method
    )
    totals = compute_totals(order)
    assert (totals.net, totals.vat, totals.gross) == (D(net), D(vat), D(gross))
    assert sum(x.net for x in totals.lines) == totals.net
    assert sum(x.vat for x in totals.lines) == totals.vat


def test_compute_totals_groups_per_rate_sorted():
    order = Order(lines=(line("10", 21), line("10", 9), line("10", "21.00")))
    groups = compute_totals(order).vat_groups
    assert [(g.vat_rate, g.net, g.vat) for g in groups] == [
        (D(9), D("10.00"), D("0.90")),
        (D(21), D("20.00"), D("4.20")),
    ]


def test_compute_totals_marks_costs_by_kind():
    order = Order(
        lines=(line("10", 21),),
        costs=(CostLine(kind=CostKind.FEE, amount=D("1.50"), vat_rate=D(21)),),
    )
    kinds = [x.kind for x in compute_totals(order).lines]
    assert kinds == [JournalLineKind.REVENUE, JournalLineKind.FEE]


def test_compute_totals_per_total_spreads_vat_over_lines_to_the_cent():
    order = Order(lines=(line("1.00", 21),) * 3, prices_include_vat=True, vat_calculation=PER_TOTAL)
    vats = sorted(x.vat for x in compute_totals(order).lines)
    assert vats == [D("0.17"), D("0.17"), D("0.18")]


def test_compute_totals_honours_the_rounding_mode():
    order = Order(lines=(line("7.50", 23),))  # VAT 1.725
    assert compute_totals(order).vat == D("1.73")
    assert compute_totals(order, rounding=ROUND_HALF_EVEN).vat == D("1.72")


def test_compute_totals_missing_vat_rate_names_the_line():
    order = Order(number="7", lines=(line("1", 21), OrderLine(unit_price=D(1))))
    with pytest.raises(ValidationError) as caught:
        compute_totals(order)
    assert caught.value.context == {"record": "7", "field": "lines[1].vat_rate"}


def test_compute_totals_missing_cost_vat_rate_names_the_cost():
    order = Order(costs=(CostLine(kind=CostKind.SHIPPING, amount=D(5)),))
    with pytest.raises(ValidationError, match=r"costs\[0\] has no VAT rate"):
        compute_totals(order)


@pytest.mark.parametrize("rate", ["-1", "100", "121"])
def test_compute_totals_rejects_a_vat_rate_out_of_range(rate):
    with pytest.raises(ValidationError, match="outside 0 to 100"):
        compute_totals(Order(lines=(line("1", rate),)))
