"""Prices and numbers as eAccounting reads and takes them: VAT-inclusive orders, the
VAT rate's unit, decimals and ranges (S1, facts.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from koppel.errors import RejectedError, ValidationError
from koppel.records import Order, Product, structure
from koppel.sync import Action, Connection, Direction
from koppel_eaccounting.lookups import lookup_tables
from koppel_eaccounting.plugin import connector as plugin
from koppel_eaccounting.sandbox import EAccountingSandbox

from .conftest import client_of
from .test_plugin_flows import mapped, read

PERSON = "anna.jansen@example.nl"  # 1007, a private person in the Netherlands
COMPANY = "pieter@hethoekje.nl"  # 1002, a company in the Netherlands
ABROAD = "luc@cafebrussel.be"  # 1004, a company in Belgium


def write(connection: Connection, entity: str, record: dict[str, Any]) -> Any:
    payload = mapped(connection, entity, Direction.OUTBOUND, record, action=Action.CREATE)
    return plugin.upsert(
        connection=connection, entity=entity, action=Action.CREATE, payload=payload, target_id=None
    )


def order(email: str, *, order_type: str = "order", **line: Any) -> dict[str, Any]:
    return {
        "number": "W-8",
        "order_type": order_type,
        "order_date": "2024-06-01",
        "customer": {"email": email},
        "lines": [{"sku": "AV-1001", "quantity": "1", "unit_price": "24.95", **line}],
    }


def sent_row(sandbox: EAccountingSandbox, result: Any, path: str = "orders") -> dict[str, Any]:
    row: dict[str, Any] = sandbox.store[path].get(result.target_id)["Rows"][0]
    return row


def test_prices_order_with_vat_included_is_read_as_prices_including_vat(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    victim = sandbox.store["orders"].all()[0]
    sandbox.store["orders"].update(victim["Id"], {"IncludesVat": True})
    mapped_orders = {
        r.id: structure(mapped(connection, "orders", Direction.INBOUND, r.data), Order)
        for r in read(connection, "orders")
    }
    assert mapped_orders[victim["Id"]].prices_include_vat is True
    assert not any(o.prices_include_vat for i, o in mapped_orders.items() if i != victim["Id"])


@pytest.mark.parametrize(
    ("shows_vat", "email", "gross_in", "price", "includes_vat"),
    [
        (True, PERSON, False, "24.95", "30.19"),  # net in, eAccounting reads gross: add VAT
        (True, PERSON, True, "30.19", "30.19"),  # gross in, gross read: as is
        (True, COMPANY, True, "30.19", "24.95"),  # a company customer: always net
        (False, PERSON, True, "30.19", "24.95"),
        (False, PERSON, False, "24.95", "24.95"),
    ],
)
def test_prices_unit_price_is_sent_on_the_basis_eaccounting_reads_it(
    connection: Connection,
    sandbox: EAccountingSandbox,
    shows_vat: bool,
    email: str,
    gross_in: bool,
    price: str,
    includes_vat: str,
) -> None:
    sandbox.company_settings["ShowPricesExclVatPC"] = shows_vat
    record = {**order(email, unit_price=price), "prices_include_vat": gross_in}
    result = write(connection, "orders", record)
    stored = sandbox.store["orders"].get(result.target_id)
    assert stored["IncludesVat"] is (shows_vat and email == PERSON)
    assert Decimal(str(stored["Rows"][0]["UnitPrice"])) == Decimal(includes_vat)


@pytest.mark.parametrize(
    ("email", "sent"), [(COMPANY, 24.95), (ABROAD, 24.9537)], ids=["domestic", "foreign"]
)
def test_prices_unit_price_gets_two_decimals_at_home_and_four_abroad(
    connection: Connection, sandbox: EAccountingSandbox, email: str, sent: float
) -> None:
    result = write(connection, "orders", order(email, unit_price="24.95371"))
    assert sent_row(sandbox, result)["UnitPrice"] == sent


@pytest.mark.parametrize(
    ("order_type", "path", "sent"),
    [("order", "orders", 1.2346), ("invoice", "customerinvoicedrafts", 1.23)],
)
def test_prices_quantity_is_rounded_to_the_decimals_of_the_document(
    connection: Connection, sandbox: EAccountingSandbox, order_type: str, path: str, sent: float
) -> None:
    result = write(connection, "orders", order(COMPANY, order_type=order_type, quantity="1.23456"))
    assert sent_row(sandbox, result, path)["Quantity"] == sent


@pytest.mark.parametrize(
    ("entity", "record", "field"),
    [
        ("orders", order(COMPANY, discount_percentage="150"), "Rows[0].DiscountPercentage"),
        ("products", {"sku": "AV-3001", "name": "Te goedkoop", "price_excl_vat": "-1"}, "NetPrice"),
        (
            "products",
            {"sku": "AV-3002", "name": "Te duur", "price_excl_vat": "99000000.01"},
            "NetPrice",
        ),
    ],
)
def test_prices_number_out_of_range_is_a_record_error_naming_the_field(
    connection: Connection,
    sandbox: EAccountingSandbox,
    entity: str,
    record: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(ValidationError) as info:
        write(connection, entity, record)
    assert info.value.context["field"] == field
    assert not [key for key, count in sandbox.calls.items() if key[0] == "POST" and count]


def test_prices_article_price_is_rounded_to_cents(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    result = write(
        connection, "products", {"sku": "AV-3003", "name": "Mok", "price_excl_vat": "4.995"}
    )
    assert sandbox.store["articles"].get(result.target_id)["NetPrice"] == 5.0


def test_prices_sandbox_refuses_more_decimals_than_the_field_takes(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    (article,) = sandbox.store["articles"].find(Number="AV-1001")
    body = {k: v for k, v in article.items() if k in ("Number", "Name", "IsActive", "UnitId")}
    body.update(CodingId=article["CodingId"], Number="AV-3004", NetPrice=1.234)
    with pytest.raises(RejectedError) as info:
        client_of(connection).post("articles", body)
    assert "NetPrice" in info.value.context["errors"]


def test_prices_vat_code_rate_is_a_percentage(connection: Connection) -> None:
    # S1 VatCodeApi.VatRate: "The VAT rate as a percentage"
    rates = lookup_tables(connection)["eaccounting_vat_rates"]
    assert rates["VH"] == 21 and rates["VL"] == 9


def test_prices_coding_rate_given_as_a_percentage_is_read_as_one(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    # S1 does not say whether ArticleAccountCodingApi.VatRatePercent is 0.21 or 21
    for coding in sandbox.store["articleaccountcodings"].all():
        percent = Decimal(str(coding["VatRatePercent"])) * 100
        sandbox.store["articleaccountcodings"].update(
            coding["Id"], {"VatRatePercent": float(percent)}
        )
    products = [
        structure(mapped(connection, "products", Direction.INBOUND, r.data), Product)
        for r in read(connection, "products")
    ]
    assert {p.vat_rate for p in products} <= {Decimal(21), Decimal(9), Decimal(0)}
    result = write(
        connection,
        "products",
        {"sku": "AV-3005", "name": "Thee", "price_excl_vat": "3", "vat_rate": "9"},
    )
    assert sandbox.store["articles"].get(result.target_id)["CodingName"] == "Goederen 9%"


def test_prices_sandbox_gives_a_row_without_price_the_gross_price_when_it_includes_vat(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    sandbox.company_settings["ShowPricesExclVatPC"] = True
    result = write(connection, "orders", order(PERSON, unit_price=None))
    stored = sandbox.store["orders"].get(result.target_id)
    assert stored["Rows"][0]["UnitPrice"] == 30.19  # AV-1001's GrossPrice
    assert (stored["Amount"], stored["VatAmount"]) == (24.95, 5.24)
