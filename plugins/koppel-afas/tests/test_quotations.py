"""Quotations (*verkoopoffertes*) through ``FbSalesQuotation``, as AFAS documents it:
written once with their lines, found again by the reference, numbered by AFAS."""

from __future__ import annotations

from typing import Any

from koppel.engine.memory import MemorySystem
from koppel.records import OrderType
from koppel.state import StateStore
from koppel.sync import Connection
from koppel_afas.plugin import connector
from koppel_afas.sandbox import AfasSandbox

from .conftest import connect, run_into_afas

QUOTE = {
    "number": "OFF-2024-31",
    "order_type": "quote",
    "order_date": "2024-06-01",
    "customer": {"email": "inkoop@koffiehuisdeboon.nl", "company_name": "Koffiehuis De Boon"},
    "lines": [{"sku": "AV-1003", "quantity": "2", "unit_price": "18.50"}],
}
POSTS = ("POST", "/ProfitRestServices/connectors/{id}")


def run(
    sandbox: AfasSandbox, store: StateStore, record: dict[str, Any], order_type: str | None
) -> Any:
    shop = MemorySystem("shop", entities={"orders": ("number",)})
    shop.put("orders", "1", record)
    flow = {"name": "shop-quotes-to-afas", "entity": "orders"}
    return run_into_afas(
        sandbox, store, shop, {**flow, **({"order_type": order_type} if order_type else {})}
    )


def test_quotation_is_written_once_with_its_lines_and_found_again(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    result = run(sandbox, store, QUOTE, "quote")
    assert result.counts["created"] == 1, [p.message for p in store.parked("shop-quotes-to-afas")]
    [quotation] = sandbox.store["koppel_salesquotations"].all()
    assert quotation["QuotationNumber"] == "50000001" and quotation["Reference"] == "OFF-2024-31"
    assert quotation["DebtorId"] == "10001"
    lines = sandbox.store["FbSalesQuotationLines"].find(OrNu="50000001")
    assert [(line["VaIt"], line["ItCd"], line["QuUn"]) for line in lines] == [("2", "AV-1003", 2.0)]
    assert sandbox.store["koppel_salesorders"].find(Reference="OFF-2024-31") == []

    store.forget_bindings("shop", "afas", "orders")  # as after a crash before the binding
    posts = sandbox.count(*POSTS)
    result = run(sandbox, store, QUOTE, "quote")
    assert sandbox.count(*POSTS) == posts  # found by its reference, not written twice
    assert len(sandbox.store["koppel_salesquotations"]) == 1


def test_quotation_to_a_flow_of_sales_orders_is_parked_naming_the_setting(
    sandbox: AfasSandbox, store: StateStore
) -> None:
    result = run(sandbox, store, QUOTE, None)  # the connection writes sales orders
    assert result.counts["created"] == 0
    [parked] = store.parked("shop-quotes-to-afas")
    assert "the order is a quote, but the flow writes AFAS sales orders" in parked.message
    assert 'order_type = "quote"' in parked.message
    assert sandbox.count(*POSTS) == 0


def test_quotation_is_an_order_type_afas_takes(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    assert OrderType.QUOTE in connector.supports_order_types(connection=connection)
    quotes = connect(sandbox, order_type="quote")
    note = connector.check_online(connection=quotes, entity="orders", direction="write")
    assert note is not None and note.startswith("GetConnector koppel_salesquotations")
    assert "UpdateConnector FbSalesQuotation: the mapping fills every mandatory field" in note
