"""A match value that several target records share is never matched silently."""

from __future__ import annotations

from collections.abc import Callable

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import Flow
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore


def shared_address(books: MemorySystem) -> None:
    """Two debtors with one e-mail address, as real accounting data has them."""
    books.rows("customers")["D-1"] = {"name": "Jansen BV", "email": "info@jansen.nl"}
    books.rows("customers")["D-2"] = {"name": "Jansen Holding", "email": "INFO@jansen.nl "}


def test_engine_ambiguous_match_parks_the_record_naming_every_candidate(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shared_address(books)
    shop.put("customers", "c1", {"name": "Jansen", "email": "info@jansen.nl"})
    shop.put("customers", "c2", {"name": "Pietersen", "email": "p@pietersen.nl"})
    flow = make_flow()

    result = run_flow(flow, store, manager=manager)

    assert result.counts["failed"] == 1 and result.counts["created"] == 1
    (parked,) = store.parked(flow.name)
    assert parked.source_id == "c1"
    assert "email 'info@jansen.nl' matches 2 customers in the target (D-1, D-2)" in parked.message
    assert 'on_ambiguous = "first"' in parked.message
    assert len(books.rows("customers")) == 3  # nothing written for c1, nothing doubled
    assert not store.get_bindings("shop", "books", "customers", ["c1"])


def test_engine_ambiguous_match_takes_the_first_candidate_when_the_flow_says_so(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shared_address(books)
    shop.put("customers", "c1", {"name": "Jansen BV", "email": "info@jansen.nl"})
    flow = make_flow(settings={"on_ambiguous": "first"})

    result = run_flow(flow, store, manager=manager)

    assert result.counts["failed"] == 0
    assert store.get_bindings("shop", "books", "customers", ["c1"])["c1"].target_id == "D-1"
    assert len(books.rows("customers")) == 2


def test_engine_ambiguous_first_key_does_not_hide_behind_the_next_key(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    """Products match by SKU, then EAN: an ambiguous SKU fails the record even when its
    EAN would find exactly one product."""
    books.rows("products")["P-1"] = {"sku": "A-1", "ean": "8710000000001"}
    books.rows("products")["P-2"] = {"sku": "A-1", "ean": "8710000000002"}
    shop.put("products", "p1", {"sku": "A-1", "ean": "8710000000002", "name": "Mok"})

    result = run_flow(make_flow("products"), store, manager=manager)

    assert result.counts["failed"] == 1
    (parked,) = store.parked("shop-products")
    assert "sku 'A-1' matches 2 products in the target (P-1, P-2)" in parked.message


def test_engine_a_hit_bound_to_another_record_names_the_key_that_found_it(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    """Found by EAN (its SKU is new): the message names the EAN, not the SKU."""
    shop.put("products", "p1", {"sku": "A-1", "ean": "8710000000001", "name": "Mok"})
    flow = make_flow("products")
    assert run_flow(flow, store, manager=manager).counts["created"] == 1
    shop.put("products", "p2", {"sku": "B-2", "ean": "8710000000001", "name": "Kop"})

    assert run_flow(flow, store, manager=manager).counts["failed"] == 1
    (parked,) = store.parked("shop-products")
    assert parked.message.startswith("ean '8710000000001' matches products ")
    assert "bound to source record p1" in parked.message
