"""Mappings from the datamapper, write rules, order rules and the ordering of dependent writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from koppel.engine import run_flow
from koppel.engine._item import Item
from koppel.engine._lanes import lanes
from koppel.engine.memory import MemorySystem
from koppel.errors import ConfigurationError
from koppel.flows import Flow
from koppel.plugins import KoppelPluginManager
from koppel.records import OrderType
from koppel.state import StateStore
from koppel.sync import Action, SourceRecord


def test_engine_mapping_overrides_and_create_only_fields_cost_no_write_when_unchanged(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shop.put("customers", "c1", {"name": "Ann", "email": "ann@example.com"})
    flow = make_flow(
        mapping={"outbound": {"Name": "name", "Mail": "email", "Code": "name"}},
        settings={"write_rules": {"Code": "create_only"}},
    )
    run_flow(flow, store, manager=manager)
    (row,) = books.rows("customers").values()
    assert row == {"Name": "Ann", "Mail": "ann@example.com", "Code": "Ann"}
    assert run_flow(flow, store, manager=manager, full=True).counts["skipped"] == 1
    shop.put("customers", "c1", {"name": "Anna", "email": "ann@example.com"})
    assert run_flow(flow, store, manager=manager).counts["updated"] == 1
    (row,) = books.rows("customers").values()
    # Code is create-only: not sent on the update, so the target keeps "Ann".
    assert row == {"Name": "Anna", "Mail": "ann@example.com", "Code": "Ann"}
    assert len(books.writes) == 2


def test_engine_mapping_error_on_one_record_names_the_field(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shop.put("customers", "c1", {"name": "Ann", "email": "ann@example.com"})
    shop.put("customers", "c2", {"name": "Bob", "email": "bob@example.com", "phone": "x"})
    flow = make_flow(
        mapping={
            "outbound": {
                "Name": "name",
                "Phone": {"expr": "phone", "on_null": "omit"},
                "Total": "to_decimal(phone)",
            }
        },
    )
    result = run_flow(flow, store, manager=manager)
    assert result.counts["created"] == 1 and result.counts["failed"] == 1
    (parked,) = store.parked(flow.name)
    assert parked.source_id == "c2" and "Total" in parked.message


def test_engine_orders_missing_products_are_parked_and_lookups_are_batched(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    books.rows("products")["P1"] = {"sku": "A"}
    for n in range(6):
        sku = "MISSING" if n == 4 else "A"
        shop.put(
            "orders",
            f"o{n}",
            {
                "number": f"100{n}",
                "status": "paid" if n else "pending",
                "customer": {"name": "Ann", "email": f"ann{n % 2}@example.com"},
                "lines": [{"sku": sku, "quantity": "1", "unit_price": "10"}],
            },
        )
    flow = make_flow("orders", order_type="invoice", filters={"status": ["paid"]})
    result = run_flow(flow, store, manager=manager)
    assert result.counts == {
        "created": 4,
        "updated": 0,
        "deleted": 0,
        "skipped": 0,
        "failed": 1,
        "parked": 1,
    }
    (parked,) = store.parked(flow.name)
    assert parked.source_id == "o4" and "MISSING" in parked.message
    assert books.lookups == 2  # one product lookup and one order-number lookup, not per order
    order = next(iter(books.rows("orders").values()))
    assert order["order_type"] == "invoice"


def test_engine_refuses_an_order_type_the_target_does_not_support(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    books.order_types = (OrderType.QUOTE,)
    flow = make_flow("orders", order_type="invoice")
    with pytest.raises(ConfigurationError, match="it supports: quote"):
        run_flow(flow, store, manager=manager)
    assert store.runs(flow.name) == []


def test_engine_lanes_keep_writes_for_one_debtor_in_order() -> None:
    def item(index: int, debtor: str) -> Item:
        made = Item(index=index, record=SourceRecord(id=f"o{index}", data={}))
        made.match = {"number": str(index)}
        made.order_keys = (("debtor", debtor),)
        made.action = Action.CREATE
        return made

    items = [item(0, "a"), item(1, "b"), item(2, "a"), item(3, "c"), item(4, "b")]
    grouped = lanes(items)
    assert [[i.index for i in lane] for lane in grouped] == [[0, 2], [1, 4], [3]]
    # a record that joins two lanes merges them, keeping the original order
    joined = Item(index=5, record=SourceRecord(id="o5", data={}))
    joined.order_keys = (("debtor", "a"), ("debtor", "c"))
    grouped = lanes([*items, joined])
    assert [[i.index for i in lane] for lane in grouped] == [[0, 2, 3, 5], [1, 4]]


def test_engine_lanes_never_write_two_orders_of_one_debtor_at_once(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    emails = ["Ann@Example.com", "ann@example.com ", "bob@example.com", "BOB@example.com"]
    for n in range(24):
        shop.put(
            "orders",
            f"o{n:02}",
            {
                "number": f"{n:04}",
                "customer": {"name": "X", "email": emails[n % 4]},
                "lines": [{"description": "thing", "quantity": "1", "unit_price": "10"}],
            },
        )
    busy: set[str] = set()
    overlaps: list[str] = []
    written: dict[str, list[str]] = {}
    lock = threading.Lock()

    def one_debtor_at_a_time(entity: str, payload: Mapping[str, Any]) -> None:
        debtor = payload["customer"]["email"].strip().lower()
        with lock:
            if debtor in busy:
                overlaps.append(debtor)
            busy.add(debtor)
            written.setdefault(debtor, []).append(payload["number"])
        time.sleep(0.002)  # a find-or-create of the debtor takes a while
        with lock:
            busy.discard(debtor)

    books.reject = one_debtor_at_a_time  # type: ignore[assignment]
    flow = make_flow("orders", order_type="sales_invoice", settings={"concurrency": 4})
    assert run_flow(flow, store, manager=manager).counts["created"] == 24
    assert overlaps == []
    assert all(numbers == sorted(numbers) for numbers in written.values())
