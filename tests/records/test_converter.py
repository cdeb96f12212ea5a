import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from koppel.errors import MappingRecordError
from koppel.records import (
    Customer,
    Order,
    OrderLine,
    OrderType,
    Product,
    structure,
    to_date,
    to_datetime,
    to_decimal,
    unstructure,
)


def test_structure_float_price_becomes_exact_decimal():
    product = structure({"price_excl_vat": 0.1, "sku": "A-1"}, Product)
    assert product.price_excl_vat == Decimal("0.1")
    assert isinstance(product.price_excl_vat, Decimal)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_to_decimal_float_goes_through_repr(value):
    assert to_decimal(value) == Decimal(repr(value))


@pytest.mark.parametrize("bad", [True, "twelve", "NaN", "Infinity", [1], None])
def test_to_decimal_rejects_non_numbers(bad):
    with pytest.raises((TypeError, ValueError)):
        to_decimal(bad)


def test_structure_bad_nested_field_names_its_path():
    data = {"lines": [{"quantity": 1}, {"quantity": 2}, {"quantity": "three"}]}
    with pytest.raises(MappingRecordError) as info:
        structure(data, Order)
    assert info.value.context["field"] == "lines[2].quantity"
    assert "'three'" in str(info.value)


def test_structure_bad_enum_names_the_field():
    with pytest.raises(MappingRecordError) as info:
        structure({"order_type": "barter"}, Order)
    assert info.value.context["field"] == "order_type"
    assert "barter" in str(info.value)


def test_structure_reports_how_many_more_problems():
    with pytest.raises(MappingRecordError, match=r"and 1 more"):
        structure({"order_type": "barter", "order_date": "yesterday"}, Order)


def test_datetime_naive_is_utc_and_ms_dates_parse():
    assert to_datetime("2024-03-01T10:00:00") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert to_datetime("/Date(1641034800000)/") == datetime(2022, 1, 1, 11, tzinfo=UTC)
    assert to_date("/Date(1641034800000)/") == date(2022, 1, 1)
    assert to_date("2024-03-01T23:30:00+01:00") == date(2024, 3, 1)
    with pytest.raises(ValueError, match="ISO date"):
        to_date("01-03-2024")


def test_unstructure_round_trips_an_order():
    order = structure(
        {
            "number": "1001",
            "order_type": "direct_invoice",
            "order_date": "2024-05-01",
            "customer": {"company_name": "Bakkerij de Vries", "email": "info@devries.nl"},
            "lines": [{"sku": "A", "quantity": "2", "unit_price": 7.5}],
        },
        Order,
    )
    plain = unstructure(order)
    assert plain["order_type"] == "direct_invoice"
    assert plain["lines"][0]["unit_price"] == "7.5"
    assert structure(plain, Order) == order
    assert order.order_type is OrderType.DIRECT_INVOICE


def test_records_are_frozen_and_evolve():
    customer = Customer(name="Jan", email="jan@example.nl")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        customer.name = "Piet"  # type: ignore[misc]
    assert attrs.evolve(customer, name="Piet").name == "Piet"
    assert not customer.is_company
    assert Customer(company_name="ACME BV").is_company


def test_order_types_that_need_products():
    needing = {t for t in OrderType if t.requires_products}
    assert needing == {
        OrderType.QUOTE,
        OrderType.ORDER,
        OrderType.INVOICE,
        OrderType.DIRECT_INVOICE,
    }


def test_structure_optional_fields_convert_like_their_type_and_keep_none():
    customer = structure(
        {"name": 12, "email": None, "billing_address": {"street": 5, "city": None}}, Customer
    )
    assert customer.name == "12" and customer.email is None
    assert customer.billing_address is not None
    assert customer.billing_address.street == "5" and customer.billing_address.city is None
    plain = unstructure(customer)
    assert plain["contact"] is None and plain["billing_address"]["street"] == "5"


def test_make_converter_without_detailed_validation_raises_plain_errors():
    from koppel.records import make_converter

    fast = make_converter(detailed_validation=False)
    assert fast.structure({"quantity": "2"}, OrderLine).quantity == Decimal("2")
    with pytest.raises(ValueError, match="'three'"):
        fast.structure({"quantity": "three"}, OrderLine)
    with pytest.raises(MappingRecordError) as info:  # the same record through structure()
        structure({"quantity": "three"}, OrderLine)
    assert info.value.context["field"] == "quantity"


@pytest.mark.parametrize(
    "value", [{"nested": {"deep": 1}}, ["EUR"], True, float("inf"), float("nan")]
)
def test_structure_text_field_given_an_object_list_or_junk_names_the_field(value):
    with pytest.raises(MappingRecordError) as info:
        structure({"number": "1", "currency": value}, Order)
    assert info.value.context["field"] == "currency"
    assert "expected text" in info.value.message
    with pytest.raises(MappingRecordError) as info:
        structure({"lines": [{"sku": value}]}, Order)
    assert info.value.context["field"] == "lines[0].sku"


def test_structure_text_field_takes_numbers_as_their_text():
    order = structure({"number": 10042, "currency": "EUR", "reference": Decimal("1.50")}, Order)
    assert (order.number, order.reference) == ("10042", "1.50")


@pytest.mark.parametrize("value", [0.1, 19.99, -0.0, 0.0, 1e16, 7, "2.50", Decimal("3.1")])
def test_to_decimal_gives_the_same_decimal_the_second_time(value: object) -> None:
    first, again = to_decimal(value), to_decimal(value)
    assert first == again == Decimal(repr(value) if isinstance(value, float) else str(value))
    assert str(first) == str(again)  # -0.0 keeps its sign, 0.0 its exponent


@pytest.mark.parametrize("value", [math.nan, math.inf, True, "abc", [1]])
def test_to_decimal_refuses_the_same_way_each_time(value: object) -> None:
    with pytest.raises((TypeError, ValueError)) as first:
        to_decimal(value)
    with pytest.raises(type(first.value), match=re.escape(str(first.value))):
        to_decimal(value)
