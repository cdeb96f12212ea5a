"""Records deleted in the source: reported by default, deleted in the target when the
flow propagates deletions, and never a reason to lose or double anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from koppel import hookimpl
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import ConfigurationError
from koppel.flows import Flow
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore
from koppel.sync import Action


def synced(shop: MemorySystem, store: StateStore, flow: Flow, manager: KoppelPluginManager) -> None:
    for n in (1, 2, 3):
        shop.put("customers", f"c{n}", {"name": f"Customer {n}", "email": f"c{n}@example.com"})
    assert run_flow(flow, store, manager=manager).counts["created"] == 3


def test_engine_deletion_is_reported_and_the_target_record_kept_by_default(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    flow = make_flow()
    synced(shop, store, flow, manager)
    target_id = store.get_bindings("shop", "books", "customers", ["c2"])["c2"].target_id
    shop.remove("customers", "c2")

    result = run_flow(flow, store, manager=manager)

    assert result.counts["deleted"] == 0 and result.counts["skipped"] == 1
    assert result.deleted_in_source == ["c2"]
    assert target_id in books.rows("customers")
    assert store.get_bindings("shop", "books", "customers", ["c2"])  # still bound
    (entry,) = store.activity(record_id="c2", flow=flow.name, limit=1)
    assert "deleted in the source" in (entry.message or "")
    assert 'deletions = "propagate"' in (entry.message or "")


def test_engine_deletion_propagates_once_and_unbinds(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    flow = make_flow(settings={"deletions": "propagate"})
    synced(shop, store, flow, manager)
    target_id = store.get_bindings("shop", "books", "customers", ["c2"])["c2"].target_id
    shop.remove("customers", "c2")

    result = run_flow(flow, store, manager=manager)

    assert result.counts["deleted"] == 1
    assert target_id not in books.rows("customers")
    assert books.writes[-1] == (Action.DELETE, "customers", target_id)
    assert not store.get_bindings("shop", "books", "customers", ["c2"])
    again = run_flow(flow, store, manager=manager, full=True)
    assert again.counts["deleted"] == 0
    assert [w for w in books.writes if w[0] == Action.DELETE] == [
        (Action.DELETE, "customers", target_id)
    ]


def test_engine_deletion_of_a_record_never_synced_deletes_nothing(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    flow = make_flow(settings={"deletions": "propagate"})
    shop.put("customers", "c9", {"name": "Gone", "email": "gone@example.com"})
    shop.remove("customers", "c9")

    result = run_flow(flow, store, manager=manager)

    assert result.counts == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "skipped": 1,
        "failed": 0,
        "parked": 0,
    }
    assert books.writes == []


def test_engine_deletion_in_a_dry_run_deletes_nothing(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    flow = make_flow(settings={"deletions": "propagate"})
    synced(shop, store, flow, manager)
    shop.remove("customers", "c1")
    writes = list(books.writes)

    plan = run_flow(flow, store, manager=manager, dry_run=True)

    assert plan.counts["deleted"] == 1
    assert books.writes == writes
    assert store.get_bindings("shop", "books", "customers", ["c1"])


def test_engine_deletion_a_parked_record_deleted_in_the_source_is_unparked(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    books.reject = lambda entity, payload: "no" if payload.get("name") == "Bad" else None
    flow = make_flow()
    shop.put("customers", "c1", {"name": "Bad", "email": "bad@example.com"})
    assert run_flow(flow, store, manager=manager).counts["failed"] == 1
    shop.remove("customers", "c1")

    result = run_flow(flow, store, manager=manager)

    assert result.counts["failed"] == 0
    assert store.parked(flow.name) == []


def test_hook_delete_record_failing_parks_the_record_and_keeps_the_binding(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    flow = make_flow(settings={"deletions": "propagate"})
    synced(shop, store, flow, manager)

    class Refusing:
        @hookimpl(tryfirst=True)
        def delete_record(self, connection: Any, entity: str, target_id: str) -> bool:
            from koppel.errors import RejectedError

            raise RejectedError(f"{target_id} has open invoices")

    manager.register(Refusing(), "refusing")
    shop.remove("customers", "c3")

    result = run_flow(flow, store, manager=manager)

    assert result.counts["failed"] == 1
    (parked,) = store.parked(flow.name)
    assert parked.source_id == "c3" and "has open invoices" in parked.message
    assert store.get_bindings("shop", "books", "customers", ["c3"])


def test_engine_deletion_propagate_is_refused_for_a_target_that_cannot_delete(
    shop: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    class KeepsEverything(MemorySystem):
        @hookimpl
        def koppel_system(self) -> Any:
            import attrs

            info = super().koppel_system()
            entities = tuple(attrs.evolve(e, delete=False) for e in info.entities)
            return attrs.evolve(info, entities=entities)

    manager.register(KeepsEverything("vault"), "vault")
    connections = {"shop": {"system": "shop"}, "books": {"system": "vault"}}
    flow = make_flow(settings={"deletions": "propagate"}, connections=connections)

    with pytest.raises(ConfigurationError, match="cannot delete customers") as caught:
        run_flow(flow, store, manager=manager)
    assert caught.value.context["path"] == "settings.deletions"


@pytest.mark.parametrize("value", ["remove", 1, True])
def test_engine_deletion_setting_takes_only_report_or_propagate(
    make_flow: Callable[..., Flow], value: object
) -> None:
    with pytest.raises(ConfigurationError, match=r"settings\.deletions"):
        make_flow(settings={"deletions": value})
