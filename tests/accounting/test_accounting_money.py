from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koppel.accounting import allocate, round_money


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1.725", "1.73"), ("-1.725", "-1.73"), ("1.7249", "1.72"), ("3", "3.00")],
)
def test_round_money_half_away_from_zero(amount, expected):
    assert round_money(Decimal(amount)) == Decimal(expected)


def test_round_money_takes_another_mode():
    assert round_money(Decimal("1.725"), ROUND_HALF_EVEN) == Decimal("1.72")


def test_allocate_gives_the_leftover_cent_to_the_largest_remainder():
    shares = [Decimal("0.334"), Decimal("0.333"), Decimal("0.333")]
    assert allocate(Decimal("1.00"), shares) == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]


def test_allocate_rejects_fractions_of_a_cent():
    with pytest.raises(ValueError, match="whole number of cents"):
        allocate(Decimal("1.005"), [Decimal(1)])


def test_allocate_rejects_an_amount_over_no_parts():
    with pytest.raises(ValueError, match="no parts"):
        allocate(Decimal("1.00"), [])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.decimals(min_value=-1000, max_value=1000, places=4), min_size=1, max_size=30),
    st.integers(min_value=-3, max_value=3),
)
def test_allocate_sums_exactly_and_stays_near_each_share(shares, nudge):
    total = round_money(sum(shares, Decimal(0))) + Decimal(nudge) * Decimal("0.01")
    parts = allocate(total, shares)
    assert sum(parts, Decimal(0)) == total
    limit = Decimal("0.005") + Decimal("0.01") * (abs(nudge) + len(shares) // 2 + 1)
    assert all(abs(p - s) <= limit for p, s in zip(parts, shares, strict=True))
