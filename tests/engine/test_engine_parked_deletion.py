"""A deletion the target refused is parked as a deletion and retried as one, never as an
update with the deleted record's (empty) data."""

from __future__ import annotations

from collections.abc import Callable

from koppel import hookimpl
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import RejectedError
from koppel.flows import Flow
from koppel.state import StateStore
from koppel.sync import Action, Connection

from .conftest import manager_of


class RefusesOnce(MemorySystem):
    """A target whose first delete is refused (the record is in use, say)."""

    refused = 0

    @hookimpl
    def delete_record(self, connection: Connection, entity: str, target_id: str) -> bool:
        if not self.refused:
            self.refused += 1
            raise RejectedError("customer is on an open invoice", system=self.name)
        return super().delete_record(connection, entity, target_id)


def test_engine_refused_deletion_is_retried_as_a_deletion(
    shop: MemorySystem, store: StateStore, make_flow: Callable[..., Flow]
) -> None:
    books = RefusesOnce("books")
    manager = manager_of(shop=shop, books=books)
    flow = make_flow(settings={"deletions": "propagate"})
    for n in (1, 2):
        shop.put("customers", f"c{n}", {"name": f"Customer {n}", "email": f"c{n}@example.com"})
    assert run_flow(flow, store, manager=manager).counts["created"] == 2
    target_id = store.get_bindings("shop", "books", "customers", ["c2"])["c2"].target_id
    shop.remove("customers", "c2")

    refused = run_flow(flow, store, manager=manager)
    assert refused.counts["failed"] == 1
    (parked,) = store.parked(flow.name)
    assert parked.source_id == "c2" and parked.deleted
    assert "open invoice" in parked.message

    store.mark_due(flow=flow.name)
    retried = run_flow(flow, store, manager=manager)
    assert retried.counts["deleted"] == 1 and retried.counts["failed"] == 0, retried.counts
    assert store.parked(flow.name) == []
    assert target_id not in books.rows("customers")
    assert [w[0] for w in books.writes].count(Action.UPDATE) == 0
