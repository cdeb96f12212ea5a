"""Skip before mapping: an unchanged source record under an unchanged flow costs no mapping,
no lookup and no target call; a changed record, mapping or setting maps again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
import sqlalchemy as sa

from koppel.engine import run_flow
from koppel.engine._hash import content_hash, legacy_content_hash
from koppel.engine.memory import MemorySystem
from koppel.flows import Flow
from koppel.plugins import KoppelPluginManager, hookimpl
from koppel.state import StateStore
from koppel.state._schema import bindings
from koppel.sync import Connection, Direction


class MapCounter:
    """Counts map_record calls and leaves the mapping to the datamapper."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl(tryfirst=True)
    def map_record(
        self,
        connection: Connection,
        entity: str,
        direction: Direction,
        data: Mapping[str, Any],
        mapping: Any,
        action: Any,
        existing: Any,
    ) -> None:
        self.calls += 1


@pytest.fixture
def maps(manager: KoppelPluginManager) -> MapCounter:
    counter = MapCounter()
    manager.register(counter, "map-counter")
    return counter


def _customers(shop: MemorySystem, count: int) -> None:
    for n in range(count):
        shop.put("customers", f"c{n}", {"name": f"Name {n}", "email": f"c{n}@example.com"})


def _mapping(**extra: str) -> dict[str, Any]:
    return {"outbound": {"Name": "name", "Mail": "email", **extra}}


def test_engine_unchanged_records_cost_no_mapping_and_no_target_call(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
    maps: MapCounter,
) -> None:
    _customers(shop, 5)
    flow = make_flow(mapping=_mapping())
    assert run_flow(flow, store, manager=manager).counts["created"] == 5
    calls, lookups, writes = maps.calls, books.lookups, len(books.writes)
    again = run_flow(flow, store, manager=manager, full=True)
    assert again.counts["skipped"] == 5
    assert (maps.calls, books.lookups, len(books.writes)) == (calls, lookups, writes)
    assert store.activity(again.run_id) == []  # unchanged records leave no entry


def test_engine_a_changed_source_record_is_mapped_and_written(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
    maps: MapCounter,
) -> None:
    _customers(shop, 3)
    flow = make_flow(mapping=_mapping())
    run_flow(flow, store, manager=manager)
    shop.put("customers", "c1", {"name": "Renamed", "email": "c1@example.com"})
    calls = maps.calls
    result = run_flow(flow, store, manager=manager, full=True)
    assert (result.counts["updated"], result.counts["skipped"]) == (1, 2)
    assert maps.calls - calls == 3  # the changed record only: in, out (hash), out (update)
    assert {row["Name"] for row in books.rows("customers").values()} >= {"Renamed"}


def test_engine_a_changed_mapping_maps_every_record_again(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
    maps: MapCounter,
) -> None:
    _customers(shop, 3)
    run_flow(make_flow(mapping=_mapping()), store, manager=manager)
    changed = make_flow(mapping=_mapping(Code="name"))
    calls = maps.calls
    result = run_flow(changed, store, manager=manager, full=True)
    assert result.counts["updated"] == 3 and maps.calls > calls
    assert all(row["Code"] == row["Name"] for row in books.rows("customers").values())
    calls, writes = maps.calls, len(books.writes)
    assert run_flow(changed, store, manager=manager, full=True).counts["skipped"] == 3
    assert (maps.calls, len(books.writes)) == (calls, writes)


def test_engine_a_changed_setting_maps_again_and_updates_only_what_differs(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
    maps: MapCounter,
) -> None:
    _customers(shop, 3)
    run_flow(make_flow(mapping=_mapping()), store, manager=manager)
    # a setting that changes no payload: mapped again, skipped by the payload's hash
    other = make_flow(mapping=_mapping(), settings={"concurrency": 2})
    calls, writes = maps.calls, len(books.writes)
    assert run_flow(other, store, manager=manager, full=True).counts["skipped"] == 3
    assert maps.calls > calls and len(books.writes) == writes
    # ... and the binding learnt the new source hash: the next run maps nothing
    calls = maps.calls
    assert run_flow(other, store, manager=manager, full=True).counts["skipped"] == 3
    assert maps.calls == calls


def test_engine_bindings_without_a_source_hash_are_mapped_once_then_skipped_unmapped(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
    maps: MapCounter,
) -> None:
    _customers(shop, 2)
    flow = make_flow(mapping=_mapping())
    run_flow(flow, store, manager=manager)
    with store.engine.begin() as conn:  # as bindings written before source hashes were kept
        conn.execute(bindings.update().values(source_hash=None))
    calls, writes = maps.calls, len(books.writes)
    assert run_flow(flow, store, manager=manager, full=True).counts["skipped"] == 2
    assert maps.calls > calls and len(books.writes) == writes
    calls = maps.calls
    assert run_flow(flow, store, manager=manager, full=True).counts["skipped"] == 2
    assert maps.calls == calls
    with store.engine.connect() as conn:
        hashes = conn.execute(sa.select(bindings.c.source_hash)).scalars().all()
    assert len(hashes) == 2 and None not in hashes


def test_engine_bindings_with_a_content_hash_from_before_orjson_are_not_written_again(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    for n, name in enumerate(("Zoë Dijkstra", "Jürgen Weiß", "Ana")):
        shop.put("customers", f"c{n}", {"name": name, "email": f"c{n}@example.com"})
    flow = make_flow(mapping=_mapping())
    run_flow(flow, store, manager=manager)
    sent = books.rows("customers")
    with store.engine.begin() as conn:  # as bound by a koppel that hashed json.dumps's text
        for target_id, payload in sent.items():
            conn.execute(
                bindings.update()
                .where(bindings.c.target_id == target_id)
                .values(source_hash=None, content_hash=legacy_content_hash(payload))
            )
    writes = len(books.writes)
    again = run_flow(flow, store, manager=manager, full=True)
    assert again.counts["skipped"] == 3 and len(books.writes) == writes
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(bindings.c.target_id, bindings.c.content_hash)).all()
    assert {target: content_hash(sent[target]) for target, _ in rows} == dict(rows)
    # json.dumps escaped non-ASCII letters; ASCII-only payloads keep their hash
    assert [content_hash(p) == legacy_content_hash(p) for p in sent.values()] == [
        False,
        False,
        True,
    ]


def test_engine_a_failed_update_keeps_the_record_mapped_until_it_syncs(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
    maps: MapCounter,
) -> None:
    _customers(shop, 1)
    flow = make_flow(mapping=_mapping())
    run_flow(flow, store, manager=manager)
    shop.put("customers", "c0", {"name": "Changed", "email": "c0@example.com"})
    books.reject = lambda entity, payload: "the target is down"
    assert run_flow(flow, store, manager=manager).counts["failed"] == 1
    books.reject = None
    # the source did not change since the failure, yet the target never got it
    result = run_flow(flow, store, manager=manager, full=True)
    assert result.counts["updated"] == 1
    assert next(iter(books.rows("customers").values()))["Name"] == "Changed"


def test_engine_products_are_checked_only_for_orders_that_will_be_written(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    books.rows("products")["P1"] = {"sku": "A"}
    for n in range(3):
        shop.put(
            "orders",
            f"o{n}",
            {
                "number": f"100{n}",
                "customer": {"name": "Ann", "email": "ann@example.com"},
                "lines": [{"sku": "A", "quantity": "1", "unit_price": "10"}],
            },
        )
    flow = make_flow("orders", order_type="invoice")
    assert run_flow(flow, store, manager=manager).counts["created"] == 3
    lookups = books.lookups
    # mapped again (another setting), the same payloads: skipped, no product lookup
    other = make_flow("orders", order_type="invoice", settings={"concurrency": 2})
    assert run_flow(other, store, manager=manager, full=True).counts["skipped"] == 3
    assert books.lookups == lookups
    # a new order is written: its products are looked up (once, batched)
    shop.put(
        "orders",
        "o9",
        {
            "number": "1009",
            "customer": {"name": "Ann", "email": "ann@example.com"},
            "lines": [{"sku": "B", "quantity": "1", "unit_price": "10"}],
        },
    )
    result = run_flow(other, store, manager=manager)
    assert result.counts["failed"] == 1
    assert "B" in store.parked(other.name)[0].message
