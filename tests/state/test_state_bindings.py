"""Bindings: batched lookups, unique both ways, conflicts named, concurrency."""

from __future__ import annotations

import threading

import pytest

from koppel.errors import StateError
from koppel.state import StateStore

from .conftest import Clock

KEY = ("shop", "exact", "customer")


def test_state_bind_and_get(store: StateStore, clock: Clock) -> None:
    store.bind(*KEY, "C1", "T1", "h1")
    found = store.get_bindings(*KEY, ["C1", "C2"])
    assert list(found) == ["C1"]
    binding = found["C1"]
    assert (binding.target_id, binding.content_hash, binding.synced_at) == ("T1", "h1", clock.now)
    assert store.get_bindings("shop", "exact", "order", ["C1"]) == {}
    assert store.get_bindings("shop", "afas", "customer", ["C1"]) == {}


def test_state_rebind_updates_hash_and_target(store: StateStore, clock: Clock) -> None:
    store.bind(*KEY, "C1", "T1", "h1")
    clock.advance(minutes=1)
    store.bind(*KEY, "C1", "T9", "h2")
    binding = store.get_bindings(*KEY, ["C1"])["C1"]
    assert (binding.target_id, binding.content_hash, binding.synced_at) == ("T9", "h2", clock.now)
    assert store.count_bindings(*KEY) == 1


def test_state_second_source_for_one_target_fails(store: StateStore) -> None:
    store.bind(*KEY, "C1", "T1", "h")
    with pytest.raises(StateError, match="'T1' is already bound to source id 'C1'") as info:
        store.bind(*KEY, "C2", "T1", "h")
    assert info.value.context["record"] == "C2"
    assert store.get_bindings(*KEY, ["C2"]) == {}
    assert store.get_bindings_by_target(*KEY, ["T1"])["T1"].source_id == "C1"


def test_state_same_ids_in_other_scope_are_independent(store: StateStore) -> None:
    store.bind(*KEY, "C1", "T1", None)
    store.bind("shop", "afas", "customer", "C2", "T1", None)
    store.bind("shop", "exact", "product", "C3", "T1", None)
    assert store.count_bindings(*KEY) == 1


def test_state_bind_many_large_batch_chunks_lookups(store: StateStore) -> None:
    items = [(f"S{n}", f"T{n}", f"h{n}") for n in range(1234)]
    store.bind_many(*KEY, items)
    ids = [f"S{n}" for n in range(0, 1300)]
    found = store.get_bindings(*KEY, ids)
    assert len(found) == 1234
    assert found["S1233"].target_id == "T1233"
    by_target = store.get_bindings_by_target(*KEY, [f"T{n}" for n in range(1234)])
    assert len(by_target) == 1234


def test_state_bind_many_stores_the_rest_on_conflict(store: StateStore) -> None:
    store.bind(*KEY, "C1", "T1", "h")
    with pytest.raises(StateError, match="'T1' is already bound") as info:
        store.bind_many(*KEY, [("C2", "T2", "h"), ("C3", "T1", "h"), ("C4", "T4", "h")])
    assert info.value.context["record"] == "C3"
    assert set(store.get_bindings(*KEY, ["C1", "C2", "C3", "C4"])) == {"C1", "C2", "C4"}


def test_state_bind_many_conflict_inside_batch(store: StateStore) -> None:
    with pytest.raises(StateError, match="'T1' is already bound to source id 'A'"):
        store.bind_many(*KEY, [("A", "T1", None), ("B", "T1", None), ("C", "T3", None)])
    assert set(store.get_bindings(*KEY, ["A", "B", "C"])) == {"A", "C"}


def test_state_bind_many_last_item_per_source_wins(store: StateStore) -> None:
    store.bind_many(*KEY, [("A", "T1", "old"), ("A", "T2", "new")])
    assert store.get_bindings(*KEY, ["A"])["A"].target_id == "T2"
    store.bind_many(*KEY, [])


def test_state_forget_binding(store: StateStore) -> None:
    store.bind_many(*KEY, [("A", "T1", None), ("B", "T2", None)])
    store.forget_binding(*KEY, "A")
    assert set(store.get_bindings(*KEY, ["A", "B"])) == {"B"}
    store.bind(*KEY, "C", "T1", None)  # the target id is free again
    assert store.forget_bindings(*KEY) == 2


def test_state_concurrent_binders_of_one_target_one_wins(store: StateStore) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def binder(n: int) -> None:
        barrier.wait()
        try:
            store.bind(*KEY, f"S{n}", "SHARED", None)
            outcomes.append("ok")
        except StateError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=binder, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    assert len(store.get_bindings_by_target(*KEY, ["SHARED"])) == 1
