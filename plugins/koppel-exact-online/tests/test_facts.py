"""The plugin's requests agree with the facts of Exact's REST API (``facts.API``)."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from koppel.sandbox import Contract, facts_table
from koppel_exact_online import entity_sets, facts
from koppel_exact_online.entity_sets import ITEMS, SALES_ORDERS, STOCK_POSITIONS, EntitySet
from koppel_exact_online.facts import API, endpoint_path

_SETS = [s for s in vars(entity_sets).values() if isinstance(s, EntitySet) and s.select]

#: Outbound mapping -> the body contract of the POST it feeds.
_MAPPINGS = {
    "customers.outbound.toml": facts.ACCOUNT,
    "relations.outbound.toml": facts.ACCOUNT,
    "products.outbound.toml": facts.ITEM,
    "orders.order.outbound.toml": facts.SALES_ORDER,
    "orders.quote.outbound.toml": facts.QUOTATION,
    "orders.invoice.outbound.toml": facts.SALES_INVOICE,
    "orders.direct_invoice.outbound.toml": facts.SALES_INVOICE,
    "orders.sales_invoice.outbound.toml": facts.SALES_ENTRY,
    "invoices.sales.outbound.toml": facts.SALES_ENTRY,
    "invoices.purchase.outbound.toml": facts.PURCHASE_ENTRY,
    "journal_entries.outbound.toml": facts.JOURNAL_ENTRY,
    "orders.financial_mutation.outbound.toml": facts.JOURNAL_ENTRY,
}


@pytest.mark.parametrize("entity_set", _SETS, ids=lambda s: s.sync or s.path)
def test_facts_select_names_only_fields_the_endpoint_has(entity_set: EntitySet) -> None:
    endpoint = API.get("GET", endpoint_path(entity_set.sync or entity_set.path))
    assert endpoint.answer is not None
    assert [n for n in entity_set.select if endpoint.answer.get(n) is None] == []


@pytest.mark.parametrize("entity_set", [s for s in _SETS if s.bulk], ids=lambda s: s.bulk)
def test_facts_bulk_select_names_only_fields_the_bulk_endpoint_has(entity_set: EntitySet) -> None:
    assert entity_set.bulk is not None
    endpoint = API.get("GET", endpoint_path(entity_set.bulk))
    assert endpoint.answer is not None and endpoint.answer.get("Timestamp") is None
    wanted = [n for n in entity_set.select if n != "Timestamp"]
    assert [n for n in wanted if endpoint.answer.get(n) is None] == []


def _sent(contract: Contract, fields: dict[str, Any]) -> list[str]:
    """Fields of a mapping's ``[fields]`` the contract does not take on POST."""
    wrong = []
    for key, rule in fields.items():
        name = key.removesuffix("[]")
        if name.startswith("_") or "." in name:
            continue  # instructions for the plugin; Contact.* goes to crm/Contacts
        field = contract.get(name)
        if field is None or field.read_only:
            wrong.append(name)
        elif key.endswith("[]") and field.of is not None:
            wrong += [f"{name}[].{n}" for n in _sent(field.of, rule["fields"])]
    return wrong


@pytest.mark.parametrize("mapping", sorted(_MAPPINGS))
def test_facts_outbound_mapping_sends_only_writable_fields(mapping: str) -> None:
    text = resources.files("koppel_exact_online").joinpath("mappings", mapping).read_text()
    assert _sent(_MAPPINGS[mapping], tomllib.loads(text)["fields"]) == []


@pytest.mark.parametrize(
    ("path", "field"),
    [("sync/Logistics/Items", "StandardSalesPrice"), ("sync/Inventory/StockPositions", "InStock")],
)
def test_facts_sandbox_refuses_a_select_of_a_field_the_endpoint_lacks(
    sandbox, clock, connect, koppel_strict_contracts, path: str, field: str
) -> None:
    _, client = connect(sandbox, clock)
    params = {"$select": f"ID,{field}", "$filter": "Timestamp gt 1L"}
    response = client.http.get(client.url(path), params=params)
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]["value"]
    assert [v.path for v in koppel_strict_contracts.take()] == [f"$select.{field}"]


def test_facts_stock_on_hand_is_read_from_current_stock(sandbox, clock, connect) -> None:
    _, client = connect(sandbox, clock)
    rows = list(client.sync(STOCK_POSITIONS))
    stored = {r["ID"]: r["CurrentStock"] for r in sandbox.store["StockPositions"].all()}
    assert rows and {r["ID"]: r["CurrentStock"] for r in rows} == stored


def test_facts_products_are_read_from_the_items_sync(sandbox, clock, connect) -> None:
    _, client = connect(sandbox, clock)
    assert len(list(client.sync(ITEMS))) == len(sandbox.store["Items"].all())


def test_facts_update_of_a_sales_order_sends_no_post_only_field(
    sandbox, clock, connect, koppel_strict_contracts
) -> None:
    _, client = connect(sandbox, clock)
    order = sandbox.store["SalesOrders"].all()[0]
    client.update(SALES_ORDERS, order["OrderID"], {"OrderedBy": order["OrderedBy"], "YourRef": "X"})
    assert koppel_strict_contracts.take() == []
    assert sandbox.store["SalesOrders"].get(order["OrderID"])["YourRef"] == "X"


def test_facts_table_names_a_source_for_every_field() -> None:
    table = facts_table(API)
    assert "sync/Inventory/StockPositions" in table and "(read 2026-11-25)" in table
    assert all(row.rstrip().endswith("|") for row in table.splitlines())


def _inbound(name: str) -> Any:
    from koppel.mapping import compile_mapping, packaged_mapping
    from koppel_exact_online.functions import FUNCTIONS

    spec = packaged_mapping("koppel_exact_online", f"{name}.inbound.toml")
    assert spec is not None
    return compile_mapping(spec, name=f"exact-online/{name}/inbound", functions=FUNCTIONS)


def test_facts_sandbox_answers_country_padded_as_exact_does(sandbox, clock, connect) -> None:
    _, client = connect(sandbox, clock)
    countries = {row["Country"] for row in client.sync(entity_sets.ACCOUNTS)}
    assert "NL " in countries


@pytest.mark.parametrize("name", ["customers", "relations"])
def test_facts_padded_country_is_trimmed_on_the_way_in(name: str) -> None:
    row = {"ID": "g1", "Code": "             C0001", "Name": "Jansen BV", "Country": "NL "}
    record = _inbound(name).apply(row, record_id="g1")
    address = record.get("billing_address") or record.get("address")
    assert address["country"] == "NL"


def test_facts_padded_vat_code_is_trimmed_on_the_way_in() -> None:
    row = {"OrderID": "g1", "OrderNumber": 7}
    line = {"ItemCode": "A", "Quantity": 1, "NetPrice": 10, "VATCode": "5  "}
    record = _inbound("orders").apply({**row, "SalesOrderLines": [line]}, record_id="g1")
    assert [line["vat_code"] for line in record["lines"]] == ["5"]


def test_facts_padded_item_vat_code_is_trimmed_on_the_way_in() -> None:
    row = {"ID": "g1", "Code": "A", "Description": "Artikel", "SalesVatCode": "2  "}
    assert _inbound("products").apply(row, record_id="g1")["vat_code"] == "2"
