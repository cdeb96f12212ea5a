"""Items' sales prices live in ``SalesItemPrices``: read with the items (one read of every
usual price per run, never a call per item) and written there after the item."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.errors import RejectedError
from koppel.http import FakeClock
from koppel.sync import Action, SourceRecord
from koppel_exact_online.cursors import FeedCursor
from koppel_exact_online.entity_sets import ITEMS, SALES_ITEM_PRICES
from koppel_exact_online.plugin import connector
from koppel_exact_online.runs import calls, flow_from_exact, manager, on_clock, open_store, run
from koppel_exact_online.sandbox import ExactSandbox, make_sandbox


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


def fetch(connection: Any, cursor: str | None = None) -> list[SourceRecord]:
    """One run's read of products (a run reads the prices afresh)."""
    connection.close()
    connection.cache.clear()
    return list(connector.fetch_records(connection, "products", cursor, {}))


def usual(sandbox: ExactSandbox, item: str) -> dict[str, Any]:
    rows = [
        r
        for r in sandbox.store["SalesItemPrices"]
        if r["Item"] == item and not r.get("Account") and not r.get("EndDate")
    ]
    assert len(rows) == 1
    return rows[0]


def test_items_are_read_with_their_usual_price_in_a_fixed_number_of_calls(
    clock: FakeClock, connect: Callable[..., Any]
) -> None:
    sandbox = make_sandbox(seed=1, clock=clock, products=150)
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    records = fetch(connection)
    assert len(records) == 150
    for record in records:
        assert record.data["SalesPrice"] == usual(sandbox, record.id)["Price"]
        assert record.data["SalesPriceCurrency"] == "EUR"
    # Not the expired price (every fifth item) nor the agreement (every fourth), which
    # differ from the usual one: the check above would fail on them.
    # deletions, prices' feed, items, every usual price once: 150 items, 4 calls.
    assert calls(sandbox) == {"GET": 4}
    assert sandbox.count("GET", "/api/v1/{division}/{kind}/{service}/{entity}") == 3


def test_a_flow_from_exact_gives_products_their_price_and_currency(tmp_path: Path) -> None:
    clock = FakeClock()
    sandbox = make_sandbox(seed=4, clock=clock, products=6)
    shop = MemorySystem("shop")
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        run(flow_from_exact("products"), store, manager(shop), sandbox)
    read = {row["sku"]: row for row in shop.rows("products").values()}
    for item in sandbox.store["Items"]:
        price = Decimal(str(usual(sandbox, item["ID"])["Price"]))
        row = read[item["Code"]]
        assert (Decimal(str(row["price_excl_vat"])), row["currency"]) == (price, "EUR")


def test_a_price_change_alone_reads_its_item_again_once(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    first = fetch(connection)
    item = first[2].id
    price = usual(sandbox, item)
    sandbox.put("SalesItemPrices", price["ID"], {**price, "Price": 123.45})
    agreement = next(r for r in sandbox.store["SalesItemPrices"] if r.get("Account"))
    sandbox.put("SalesItemPrices", agreement["ID"], {**agreement, "Price": 1.0})
    sandbox.calls.clear()
    again = fetch(connection, first[-1].cursor)
    assert [(r.id, r.data["SalesPrice"]) for r in again] == [(item, 123.45)]
    assert again[0].data["Code"] == first[2].data["Code"]
    # deletions, prices' feed, items (none), the item by id in bulk, the usual prices.
    assert calls(sandbox) == {"GET": 5}
    assert FeedCursor.parse(again[-1].cursor, second="prices").second == max(
        r["Timestamp"] for r in sandbox.store["SalesItemPrices"]
    )
    assert fetch(connection, again[-1].cursor) == []


def test_an_item_and_its_price_changed_is_read_once(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    first = fetch(connection)
    item = sandbox.store["Items"].get(first[0].id)
    assert item is not None
    price = usual(sandbox, item["ID"])
    sandbox.put("SalesItemPrices", price["ID"], {**price, "Price": 7.5})
    sandbox.put("Items", item["ID"], {**item, "Description": "Nieuw"})
    again = fetch(connection, first[-1].cursor)
    assert [(r.id, r.data["Description"], r.data["SalesPrice"]) for r in again] == [
        (item["ID"], "Nieuw", 7.5)
    ]
    assert fetch(connection, again[-1].cursor) == []


def test_a_new_items_price_is_posted_without_reading_the_prices(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    body = {"Code": "NEW-1", "Description": "Nieuw", "_SalesPrice": Decimal("12.50")}
    result = connector.upsert(connection, "products", Action.CREATE, body, None)
    assert usual(sandbox, result.target_id)["Price"] == 12.5
    assert "StandardSalesPrice" not in sandbox.store["Items"].get(result.target_id)  # type: ignore[operator]
    assert calls(sandbox) == {"POST": 2}


def test_an_update_puts_a_changed_price_over_the_one_in_force_and_skips_an_equal_one(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    item = sandbox.store["Items"].all()[4]  # it has an expired price too
    price = usual(sandbox, item["ID"])
    same = {"Description": "Zelfde", "_SalesPrice": Decimal(str(price["Price"]))}
    connector.upsert(connection, "products", Action.UPDATE, same, item["ID"])
    assert calls(sandbox) == {"PUT": 1, "GET": 1}  # the item; every usual price, once
    sandbox.calls.clear()
    changed = {"Description": "Duurder", "_SalesPrice": Decimal("99.95"), "_Currency": "EUR"}
    connector.upsert(connection, "products", Action.UPDATE, changed, item["ID"])
    assert calls(sandbox) == {"PUT": 2}  # the item and its price, no read again
    assert usual(sandbox, item["ID"])["Price"] == 99.95
    prices = [r for r in sandbox.store["SalesItemPrices"] if r["Item"] == item["ID"]]
    assert len(prices) == 2  # the expired one is left alone


def test_the_sandbox_refuses_a_bulk_price_filter_the_reference_does_not_list(
    sandbox: ExactSandbox,
) -> None:
    token = sandbox.oauth.grant().access_token  # type: ignore[union-attr]
    client = httpx.Client(
        transport=sandbox.transport(),
        base_url=f"https://start.exactonline.nl/api/v1/{sandbox.division}/",
        headers={"Authorization": f"Bearer {token}"},
    )
    params = {"$select": "ID,Price", "$filter": "Currency eq 'EUR'"}
    answer = client.get("bulk/Logistics/SalesItemPrices", params=params)
    assert answer.status_code == 400 and "Currency" in answer.text
    params["$filter"] = "Account eq null"
    assert client.get("bulk/Logistics/SalesItemPrices", params=params).status_code == 200


def test_bulk_reads_the_usual_prices_in_fewer_calls_than_the_regular_endpoint(
    clock: FakeClock, connect: Callable[..., Any]
) -> None:
    sandbox = make_sandbox(seed=1, clock=clock, products=150)
    _, client = connect(sandbox, clock, division=sandbox.division)
    usual_only = "Account eq null"
    regular = list(client.read(SALES_ITEM_PRICES, filter=usual_only))
    assert calls(sandbox) == {"GET": 3}  # 60 a page
    sandbox.calls.clear()
    assert list(client.bulk(SALES_ITEM_PRICES, filter=usual_only)) == regular
    assert calls(sandbox) == {"GET": 1}  # 1,000 a page


def test_the_sandbox_refuses_an_unfiltered_bulk_read_where_a_sync_api_exists(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    _, client = connect(sandbox, clock, division=sandbox.division)
    with pytest.raises(RejectedError, match="filter is mandatory"):
        list(client.bulk(ITEMS))


def test_a_price_with_a_malformed_date_makes_only_its_item_unreadable(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    connection, _ = connect(sandbox, clock, division=sandbox.division)
    item = sandbox.store["Items"].all()[3]["ID"]
    price = usual(sandbox, item)
    sandbox.store["SalesItemPrices"].put(price["ID"], {**price, "StartDate": "gisteren"})
    records = fetch(connection)
    broken = [r for r in records if r.error is not None]
    assert [r.id for r in broken] == [item]
    assert "usual sales price" in broken[0].error.message and "gisteren" in broken[0].error.message
    assert len(records) == len(sandbox.store["Items"])
