"""Number ranges never hand out a number twice; export history."""

from __future__ import annotations

import threading

import pytest

from koppel.errors import RecordError
from koppel.state import StateStore

from .conftest import Workers


def test_state_numbers_count_up_and_run_out(store: StateStore) -> None:
    assert [store.next_number("debtors", 10, 12) for _ in range(3)] == [10, 11, 12]
    with pytest.raises(RecordError, match="'debtors' is used up"):
        store.next_number("debtors", 10, 12)
    assert store.next_number("creditors", 10, 12) == 10


def test_state_numbers_follow_a_moved_range(store: StateStore) -> None:
    assert store.next_number("debtors", 10, 99) == 10
    assert store.next_number("debtors", 50, 99) == 50
    assert store.next_number("debtors", 10, 99) == 51


def test_state_numbers_empty_range(store: StateStore) -> None:
    with pytest.raises(RecordError, match="is empty"):
        store.next_number("debtors", 5, 4)


def test_state_numbers_unique_across_threads(store: StateStore) -> None:
    taken: list[int] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        barrier.wait()
        for _ in range(25):
            taken.append(store.next_number("debtors", 1, 10_000))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(1, 201))


def test_state_numbers_unique_across_processes(store: StateStore, workers: Workers) -> None:
    results = workers.run("numbers", *[{"count": 40}] * 3)
    assert all(isinstance(r, list) for r in results), results
    taken = [n for r in results for n in r]
    assert sorted(taken) == list(range(1000, 1120))
    assert store.next_number("debtors", 1000, 999_999) == 1120


def test_state_exports_history(store: StateStore) -> None:
    first = store.record_export("f", "/out/a.xml", entity="customer", records=3)
    second = store.record_export("f", "/out/b.xml", status="failed", message="disk full")
    store.record_export("g", "/out/c.xml")
    history = store.exports("f")
    assert [e.id for e in history] == [second, first]
    assert (history[0].status, history[0].message, history[0].records) == (
        "failed",
        "disk full",
        None,
    )
    assert (history[1].entity, history[1].records, history[1].path) == ("customer", 3, "/out/a.xml")
    assert len(store.exports(limit=2)) == 2
