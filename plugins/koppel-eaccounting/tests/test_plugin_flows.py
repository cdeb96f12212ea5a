"""Reading and writing through the plugin's hooks, with the default mappings applied."""

from __future__ import annotations

import uuid
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest

from koppel.errors import ConfigurationError, SourceRecordError, ValidationError
from koppel.http import FakeClock
from koppel.mapping import compile_mapping
from koppel.records import CostKind, CostLine, Order, Product, structure
from koppel.sync import Action, Connection, Direction
from koppel_eaccounting.demo import MISSING_SKU
from koppel_eaccounting.functions import FUNCTIONS
from koppel_eaccounting.plugin import connector as plugin
from koppel_eaccounting.resources.orders import Orders
from koppel_eaccounting.sandbox import EAccountingSandbox

from .conftest import connect


def mapped(connection: Connection, entity: str, direction: Direction, data: Any, **kw: Any) -> Any:
    spec = plugin.default_mapping(connection=connection, entity=entity, direction=direction)
    mapping = compile_mapping(spec, functions=FUNCTIONS)
    return mapping.apply(data, action=kw.get("action"), existing=kw.get("existing"))


def read(connection: Connection, entity: str, **filters: Any) -> list[Any]:
    return list(
        plugin.fetch_records(connection=connection, entity=entity, cursor=None, filters=filters)
    )


def test_plugin_reads_only_invoiced_orders_with_customer_and_articles(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    records = read(connection, "orders", status=["invoiced"])
    orders = [
        structure(mapped(connection, "orders", Direction.INBOUND, r.data), Order) for r in records
    ]
    assert len(orders) == 12 and {o.status for o in orders} == {"invoiced"}
    parked = next(o for o in orders if any(line.sku == MISSING_SKU for line in o.lines))
    assert parked.number == "1036"
    company = next(o for o in orders if o.customer and o.customer.company_name)
    assert company.customer.contact and company.customer.contact.name
    person = next(o for o in orders if o.customer and not o.customer.company_name)
    assert person.customer.email and person.customer.name
    articles = {a["Number"]: a for a in sandbox.store["articles"].all()}
    lines = [line for o in orders for line in o.lines if line.sku != MISSING_SKU]
    for line in lines:
        barcodes = articles[line.sku]["Barcodes"]
        assert line.ean == (barcodes[0]["Barcode"] if barcodes else None)
        assert line.vat_rate in (Decimal("21"), Decimal("9"))  # canonical: a percentage
    assert all(o.total_incl_vat == o.total_excl_vat + o.total_vat for o in orders)


def test_plugin_unknown_status_names_the_valid_ones(connection: Connection) -> None:
    with pytest.raises(ConfigurationError, match="draft, ongoing, shipped, invoiced"):
        read(connection, "orders", status="paid")


def test_plugin_products_update_keeps_the_create_only_name(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    found = plugin.find_existing(
        connection=connection, entity="products", match_key="ean", values=["8712345010016"]
    )
    target = found["8712345010016"]
    product = {
        "sku": "AV-1001",
        "ean": "8712345010016",
        "name": "Nieuwe naam",
        "price_excl_vat": "26.00",
    }
    payload = mapped(
        connection,
        "products",
        Direction.OUTBOUND,
        product,
        action=Action.UPDATE,
        existing=target.data,
    )
    assert "Name" not in payload
    plugin.upsert(
        connection=connection,
        entity="products",
        action=Action.UPDATE,
        payload=payload,
        target_id=target.id,
    )
    article = sandbox.store["articles"].get(target.id)
    assert article["Name"] == "Espressokopjes, set van 6"
    assert article["NetPrice"] == 26.0 and article["GrossPrice"] == 31.46
    assert article["StockBalance"] == 40.0  # the replacing PUT kept the stock


def test_plugin_stock_writes_available_minus_reserved(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    level = {"sku": "AV-1005", "on_hand": "12", "reserved": "5"}
    payload = mapped(connection, "stock", Direction.OUTBOUND, level, action=Action.UPDATE)
    found = plugin.find_existing(
        connection=connection, entity="stock", match_key="sku", values=["AV-1005"]
    )
    plugin.upsert(
        connection=connection,
        entity="stock",
        action=Action.UPDATE,
        payload=payload,
        target_id=found["AV-1005"].id,
    )
    assert sandbox.store["articles"].get(found["AV-1005"].id)["StockBalance"] == 7.0


def test_plugin_order_with_unknown_product_is_a_validation_error(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    order = {
        "number": "W-1",
        "order_date": "2024-06-01",
        "customer": {"email": "Jan@BakkerijVanDam.nl"},
        "lines": [
            {"sku": MISSING_SKU, "quantity": "1", "unit_price": "89"},
            {"sku": "AV-1001", "quantity": "1", "unit_price": "24.95"},
        ],
    }
    payload = mapped(connection, "orders", Direction.OUTBOUND, order, action=Action.CREATE)
    with pytest.raises(ValidationError, match=MISSING_SKU) as info:
        plugin.upsert(
            connection=connection,
            entity="orders",
            action=Action.CREATE,
            payload=payload,
            target_id=None,
        )
    assert info.value.context["missing"] == [MISSING_SKU]
    assert len(sandbox.store["orders"]) == 36


def test_plugin_invoice_becomes_an_invoice_draft(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    order = {
        "number": "W-2",
        "order_type": "invoice",
        "order_date": "2024-06-01",
        "prices_include_vat": True,
        "customer": {"email": "jan@bakkerijvandam.nl"},
        "lines": [{"ean": "8712345010016", "quantity": "2", "unit_price": "30.19"}],
    }
    payload = mapped(connection, "orders", Direction.OUTBOUND, order, action=Action.CREATE)
    result = plugin.upsert(
        connection=connection,
        entity="orders",
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )
    draft = sandbox.store["customerinvoicedrafts"].get(result.target_id)
    assert draft["InvoiceDate"] == "2024-06-01"
    assert draft["IncludesVat"] is False  # read-only: set by eAccounting for a company customer
    assert draft["Rows"][0]["UnitPrice"] == 24.95  # 30.19 incl. 21% VAT
    assert draft["Rows"][0]["ReversedConstructionServicesVatFree"] is False
    found = plugin.find_existing(
        connection=connection, entity="orders", match_key="number", values=["W-2", "W-3"]
    )
    assert set(found) == {"W-2"}


def test_plugin_customers_found_by_email_case_insensitively(connection: Connection) -> None:
    found = plugin.find_existing(
        connection=connection,
        entity="customers",
        match_key="email",
        values=["jan@bakkerijvandam.nl", "nobody@example.nl"],
    )
    assert list(found) == ["jan@bakkerijvandam.nl"]


def test_plugin_supports_orders_and_invoices_only(connection: Connection) -> None:
    assert {str(t) for t in plugin.supports_order_types(connection=connection)} == {
        "order",
        "invoice",
    }
    product = structure({"sku": "X"}, Product)
    assert product.sku == "X"


def test_plugin_oauth_config_scopes_cover_every_endpoint_used(connection: Connection) -> None:
    # REFERENCE.md mismatch 5: GET /v2/vatcodes needs ea:accounting or ea:accounting_readonly;
    # orders, customers, articles, units and terms of payment need ea:sales.
    scopes = set(plugin.oauth_config(connection=connection).scope.split())
    assert {"ea:api", "offline_access", "ea:sales"} <= scopes
    assert scopes & {"ea:accounting", "ea:accounting_readonly"}


def test_plugin_oauth_config_points_at_the_identity_server(connection: Connection) -> None:
    config = plugin.oauth_config(connection=connection)
    assert config.token_url == "https://identity.vismaonline.com/connect/token"
    assert config.scope == "ea:api offline_access ea:sales ea:accounting_readonly"
    sandbox = Connection(
        name="x",
        system="eaccounting",
        settings={"sandbox": True},
        secrets={"client_id": "app", "client_secret": "secret"},
    )
    assert plugin.oauth_config(connection=sandbox).authorize_url == (
        "https://identity.vismaonline.com/connect/authorize"
    )
    with pytest.raises(ConfigurationError, match="client_id"):
        plugin.oauth_config(connection=Connection(name="y", system="eaccounting"))


def test_plugin_order_with_a_bad_change_time_is_unreadable_never_the_cursor(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    victim = sandbox.store["orders"].all()[0]
    sandbox.store["orders"].update(victim["Id"], {"ModifiedUtc": "3"})
    records = read(connection, "orders")
    (bad,) = [r for r in records if r.error is not None]
    assert bad.id == victim["Id"] and "ModifiedUtc" in str(bad.error)
    assert all(r.cursor != "3" for r in records)
    assert_parked_as_read(bad.data)


def assert_parked_as_read(data: Any) -> None:
    """An unreadable order's data is the order as read: without its Customer and Articles."""
    assert "Customer" not in data
    assert all("Article" not in row for row in data["Rows"] if isinstance(row, dict))


def test_plugin_order_of_a_missing_customer_is_unreadable_naming_customer_id(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    # REFERENCE.md mismatch 9: S1 answers a missing customer with 400, code 3000
    victim = sandbox.store["orders"].all()[0]
    sandbox.store["orders"].update(victim["Id"], {"CustomerId": str(uuid.uuid4())})
    records = read(connection, "orders")
    (bad,) = [r for r in records if r.error is not None]
    assert bad.id == victim["Id"]
    assert isinstance(bad.error, SourceRecordError)
    assert bad.error.context["field"] == "CustomerId"
    assert_parked_as_read(bad.data)


def test_plugin_order_with_a_row_that_is_no_object_is_parked_as_read(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    victim = sandbox.store["orders"].all()[0]
    sandbox.store["orders"].update(victim["Id"], {"Rows": [*victim["Rows"], 5]})
    records = read(connection, "orders")
    (bad,) = [r for r in records if r.error is not None]
    assert bad.id == victim["Id"] and bad.error.context["field"] == f"Rows[{len(victim['Rows'])}]"
    assert victim["Rows"] and all(isinstance(row, dict) for row in bad.data["Rows"][:-1])
    assert_parked_as_read(bad.data)


@pytest.mark.parametrize("proxy_order", [True, False])
def test_plugin_order_or_row_given_as_another_mapping_is_copied_not_changed(
    connection: Connection, sandbox: EAccountingSandbox, proxy_order: bool
) -> None:
    stored = sandbox.store["orders"].all()[0]
    rows = [MappingProxyType(dict(row)) for row in stored["Rows"]]
    given = {**stored, "Rows": list(rows)}
    order = MappingProxyType(given) if proxy_order else given
    resource = plugin.resource(connection, "orders")
    assert isinstance(resource, Orders)
    resource.want_parties([order])
    keys = [*order, "Customer"]
    enriched = resource.enrich(order)
    assert all("Article" not in row for row in rows)
    # a dict order is its own, changed in place; a proxy's dict is left as it was
    assert ("Customer" in given) is not proxy_order
    assert (given["Rows"] == rows) is proxy_order
    assert enriched["Customer"]["Id"] == stored["CustomerId"]
    assert list(enriched) == keys
    assert [dict(row, Article=None) for row in rows] == [
        dict(row, Article=None) for row in enriched["Rows"]
    ]
    assert all(row["Article"] for row in enriched["Rows"])


def test_plugin_order_reads_its_shipping_row_as_a_shipping_cost(
    sandbox: EAccountingSandbox, clock: FakeClock
) -> None:
    (cups,) = sandbox.store["articles"].find(Number="AV-1001")
    shipping = {**cups, "Id": str(uuid.uuid4()), "Number": "VERZEND", "Name": "Verzendkosten"}
    shipping["Barcodes"] = []
    sandbox.store["articles"].put(shipping["Id"], shipping)
    connection = connect(sandbox, clock, shipping_article="VERZEND")
    try:
        order = {
            "number": "W-9",
            "order_date": "2024-06-01",
            "customer": {"email": "jan@bakkerijvandam.nl"},
            "lines": [{"sku": "AV-1001", "quantity": "2", "unit_price": "24.95"}],
            "costs": [{"kind": "shipping", "amount": "6.95", "description": "Verzending"}],
        }
        payload = mapped(connection, "orders", Direction.OUTBOUND, order, action=Action.CREATE)
        plugin.upsert(
            connection=connection,
            entity="orders",
            action=Action.CREATE,
            payload=payload,
            target_id=None,
        )
        (record,) = [r for r in read(connection, "orders") if r.data["YourReference"] == "W-9"]
        assert [row["ArticleNumber"] for row in record.data["Rows"]] == ["AV-1001", "VERZEND"]
        read_back = structure(mapped(connection, "orders", Direction.INBOUND, record.data), Order)
    finally:
        connection.close()
    assert [line.sku for line in read_back.lines] == ["AV-1001"]
    assert read_back.costs == (
        CostLine(
            kind=CostKind.SHIPPING,
            amount=Decimal("6.95"),
            description="Verzending",
            vat_rate=Decimal("21"),
        ),
    )
