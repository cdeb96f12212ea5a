from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from koppel.accounting import StockFormula, StockSettings, stock_to_send
from koppel.errors import ConfigurationError, ValidationError
from koppel.records import StockLevel

D = Decimal
LEVEL = StockLevel(sku="A-1", on_hand=D(10), reserved=D(3))
VALUES = {"on_hand": D(10), "reserved": D(3), "available": D(6)}


def test_stock_to_send_default_is_on_hand_minus_reserved():
    assert stock_to_send(LEVEL) == D(7)
    assert stock_to_send(LEVEL, StockSettings(formula="available")) == D(7)


def test_stock_to_send_on_hand():
    assert stock_to_send(LEVEL, StockSettings(formula="on_hand")) == D(10)


def test_stock_to_send_available_uses_the_sources_own_figure_when_given():
    level = StockLevel(sku="A-1", on_hand=D(10), reserved=D(3), available=D(5))
    assert stock_to_send(level, StockSettings(formula="available - 1")) == D(4)


def test_stock_to_send_operator_formula():
    settings_ = StockSettings(formula="(on_hand - reserved) * 0.5 - 1")
    assert stock_to_send(LEVEL, settings_) == D("2.5")


def test_stock_to_send_nothing_for_a_target_without_stock():
    assert stock_to_send(LEVEL, StockSettings(manages_stock=False)) is None


def test_stock_to_send_never_negative_unless_allowed():
    short = StockLevel(sku="A-1", on_hand=D(2), reserved=D(5))
    assert stock_to_send(short) == D(0)
    assert stock_to_send(short, StockSettings(allow_negative=True)) == D(-3)


def test_stock_to_send_division_by_zero_names_the_sku():
    with pytest.raises(ValidationError, match="divides by zero") as caught:
        stock_to_send(LEVEL, StockSettings(formula="on_hand / (reserved - 3)"))
    assert caught.value.context["record"] == "A-1"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2 * 3", D(7)),
        ("(1 + 2) * 3", D(9)),
        ("10 - 4 - 3", D(3)),
        ("12 / 3 / 2", D(2)),
        ("-on_hand + -(-reserved)", D(-7)),
        ("min(on_hand, reserved, 5)", D(3)),
        ("max(available - 10, 0)", D(0)),
        (" .5 * on_hand ", D(5)),
        ("on_hand*2-reserved", D(17)),
    ],
)
def test_stock_formula_arithmetic(text, value):
    assert StockFormula.parse(text).evaluate(VALUES) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty formula"),
        ("on_hand +", "formula ends early"),
        ("on_hand reserved", "unexpected 'reserved' at position 9"),
        ("(on_hand", "expected '\\)'"),
        ("__import__('os')", "unknown name '__import__'"),
        ("stock - 1", "unknown name 'stock'"),
        ("on_hand ** 2", "unexpected '\\*'"),
        ("min()", "unexpected '\\)'"),
        ("on_hand; 1", "unexpected ';'"),
    ],
)
def test_stock_formula_rejects_bad_text(text, message):
    with pytest.raises(ConfigurationError, match=message):
        StockFormula.parse(text)


def test_stock_settings_compile_the_formula_up_front():
    with pytest.raises(ConfigurationError, match="stock formula 'on_hand -'"):
        StockSettings(formula="on_hand -")


@settings(max_examples=200, deadline=None)
@given(
    on_hand=st.decimals(-1000, 1000, places=3),
    reserved=st.decimals(0, 1000, places=3),
    allow=st.booleans(),
)
def test_stock_to_send_is_never_negative_unless_allowed(on_hand, reserved, allow):
    level = StockLevel(sku="X", on_hand=on_hand, reserved=reserved)
    sent = stock_to_send(level, StockSettings(allow_negative=allow))
    assert sent == (on_hand - reserved if allow else max(on_hand - reserved, D(0)))
