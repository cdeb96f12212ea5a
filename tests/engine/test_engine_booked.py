"""A record that changed after a target that never updates it took it (a booked sales
order) is skipped and reported once, not sent as an update and parked for ever."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from koppel import hookimpl
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import Flow
from koppel.state import StateStore
from koppel.system import SystemInfo

from .conftest import manager_of


class BooksOnce(MemorySystem):
    """A target that takes customers once and never updates them."""

    @hookimpl
    def koppel_system(self) -> SystemInfo:
        info = super().koppel_system()
        entities = tuple(attrs.evolve(e, update=False) for e in info.entities)
        return attrs.evolve(info, entities=entities)


def test_engine_change_after_booking_is_reported_once_and_never_sent(
    shop: MemorySystem, store: StateStore, make_flow: Callable[..., Flow]
) -> None:
    books = BooksOnce("books")
    manager = manager_of(shop=shop, books=books)
    flow = make_flow()
    shop.put("customers", "c1", {"name": "Ann", "email": "ann@example.com"})
    assert run_flow(flow, store, manager=manager).counts["created"] == 1

    shop.put("customers", "c1", {"name": "Ann B.", "email": "ann@example.com"})
    changed = run_flow(flow, store, manager=manager)
    assert changed.changed_after_booking == ["c1"]
    assert (changed.counts["skipped"], changed.counts["failed"]) == (1, 0)
    assert len(books.writes) == 1 and store.parked(flow.name) == []
    [entry] = [e for e in store.activity(flow=flow.name) if e.action == "skip"]
    assert (entry.message or "").startswith("changed after it was booked")

    again = run_flow(flow, store, manager=manager, full=True)  # the same data: said once
    assert again.changed_after_booking == [] and again.counts["skipped"] == 1
    shop.put("customers", "c1", {"name": "Ann C.", "email": "ann@example.com"})
    assert run_flow(flow, store, manager=manager).changed_after_booking == ["c1"]
    assert len(books.writes) == 1
