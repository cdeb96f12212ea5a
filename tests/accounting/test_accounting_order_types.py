import pytest

from koppel.accounting import check_order_type_supported, check_products_exist, missing_products
from koppel.errors import ConfigurationError, ValidationError
from koppel.records import Order, OrderLine, OrderType

ORDER = Order(
    number="1001",
    lines=(
        OrderLine(sku="A-1"),
        OrderLine(sku="B-2", ean="8712345678906"),
        OrderLine(sku="C-3"),
        OrderLine(ean="8700000000001"),
        OrderLine(sku="C-3"),
        OrderLine(description="gift wrap"),
    ),
)


def test_check_products_exist_passes_when_every_sku_or_ean_is_known():
    order = Order(number="1", lines=ORDER.lines[:5])
    check_products_exist(
        order, known_skus={" A-1 ", "C-3"}, known_eans={"8712345678906", "8700000000001"}
    )


def test_check_products_exist_names_every_missing_sku_once():
    with pytest.raises(ValidationError) as caught:
        check_products_exist(ORDER, known_skus={"A-1"}, known_eans={"8712345678906"})
    error = caught.value
    assert error.context["missing"] == ["C-3", "EAN 8700000000001", "line 6 (no SKU or EAN)"]
    assert "3 products not found in the target: C-3, EAN 8700000000001, line 6" in str(error)
    assert error.context["record"] == "1001"


@pytest.mark.parametrize(
    "order_type", [OrderType.QUOTE, OrderType.ORDER, OrderType.INVOICE, OrderType.DIRECT_INVOICE]
)
def test_check_products_exist_applies_to_types_with_articles(order_type):
    with pytest.raises(ValidationError, match="C-3"):
        check_products_exist(ORDER, known_skus={"A-1", "B-2"}, order_type=order_type)


@pytest.mark.parametrize("order_type", [OrderType.SALES_INVOICE, OrderType.FINANCIAL_MUTATION])
def test_check_products_exist_skips_types_without_articles(order_type):
    check_products_exist(ORDER, known_skus=(), order_type=order_type)


def test_check_products_exist_uses_the_orders_own_type_by_default():
    order = Order(order_type=OrderType.SALES_INVOICE, lines=(OrderLine(sku="nope"),))
    check_products_exist(order, known_skus=())
    with pytest.raises(ValidationError):
        check_products_exist(Order(lines=(OrderLine(sku="nope"),)), known_skus=())


def test_missing_products_empty_when_all_found():
    assert missing_products(Order(lines=(OrderLine(sku="A"),)), known_skus=["A"]) == []


def test_check_order_type_supported_returns_the_type():
    supported = [OrderType.ORDER, OrderType.INVOICE]
    assert check_order_type_supported("order", supported) is OrderType.ORDER


def test_check_order_type_supported_names_what_the_target_supports():
    with pytest.raises(ConfigurationError) as caught:
        check_order_type_supported(
            OrderType.QUOTE, ["invoice", OrderType.ORDER], system="accountview", flow="orders"
        )
    message = str(caught.value)
    assert "target accountview does not support order type 'quote'" in message
    assert "it supports: order, invoice" in message
    assert caught.value.context["flow"] == "orders"


def test_check_order_type_supported_with_nothing_supported():
    with pytest.raises(ConfigurationError, match="it supports: none"):
        check_order_type_supported("order", [])


def test_check_order_type_supported_rejects_an_unknown_type_name():
    with pytest.raises(ConfigurationError, match=r"unknown order type 'offer'.*quote, order"):
        check_order_type_supported("offer", list(OrderType))
