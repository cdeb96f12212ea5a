"""A record a crashed run wrote is found, not changed: the next run binds it when what the
dead run sent is what it would send now, also on a target that refuses to change it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from koppel import hookimpl
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import RejectedError
from koppel.flows import Flow
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore
from koppel.sync import Action, Ambiguous, Connection, TargetRecord, WriteResult

from .conftest import manager_of, run_dying_at_booking


class Booked(MemorySystem):
    """A target like Exact Online's journal: what it answers is not what was sent (its
    own entry number, the name as it keeps it), and a written record never changes."""

    @hookimpl
    def find_existing(
        self, connection: Connection, entity: str, match_key: str, values: Sequence[str]
    ) -> dict[str, TargetRecord | Ambiguous]:
        found = super().find_existing(connection, entity, match_key, values)
        return {
            value: TargetRecord(
                id=match.id,
                data={**match.data, "name": f"{match.data['name']} B.V.", "EntryNumber": 9},
            )
            if isinstance(match, TargetRecord)
            else match
            for value, match in found.items()
        }

    @hookimpl
    def upsert(
        self,
        connection: Connection,
        entity: str,
        action: Action,
        payload: Mapping[str, Any],
        target_id: str | None,
    ) -> WriteResult:
        if action == Action.UPDATE:
            raise RejectedError("booked entries do not change", system=self.name)
        return super().upsert(connection, entity, action, payload, target_id)


def test_engine_binds_what_a_crashed_run_created_without_an_update(
    shop: MemorySystem, store: StateStore, make_flow: Callable[..., Flow]
) -> None:
    target = Booked("books")
    manager = manager_of(shop=shop, books=target)
    for n in range(1, 4):
        shop.put("customers", f"c{n}", {"name": f"C{n}", "email": f"c{n}@example.com"})
    flow = make_flow()

    run_dying_at_booking(flow, store, manager)  # the process dies booking the chunk
    assert len(target.rows("customers")) == 3

    rerun = run_flow(flow, store, manager=manager)
    assert rerun.counts["failed"] == 0 and rerun.counts["skipped"] == 3, rerun.counts
    assert store.parked(flow.name) == []
    assert len(target.rows("customers")) == 3 and len(target.writes) == 3
    scope = (flow.source.name, flow.target.name, flow.entity)
    assert store.count_bindings(*scope) == 3
    recovered = [e for e in store.activity(flow=flow.name) if e.action == "recovered"]
    assert sorted(e.record_id for e in recovered) == ["c1", "c2", "c3"]
    again = run_flow(flow, store, manager=manager).counts  # and stays so
    assert again["failed"] == 0 and len(target.writes) == 3, again


def test_engine_updates_a_found_record_the_crashed_run_sent_other_data_for(
    shop: MemorySystem,
    books: MemorySystem,
    manager: KoppelPluginManager,
    store: StateStore,
    make_flow: Callable[..., Flow],
) -> None:
    shop.put("customers", "c1", {"name": "C1", "email": "c1@example.com"})
    flow = make_flow()

    run_dying_at_booking(flow, store, manager)
    shop.put("customers", "c1", {"name": "C1 renamed", "email": "c1@example.com"})
    rerun = run_flow(flow, store, manager=manager)
    assert rerun.counts["updated"] == 1
    assert [row["name"] for row in books.rows("customers").values()] == ["C1 renamed"]
