"""The relation queue in the state store: Insert/Update, actions, exports and their marks."""

from __future__ import annotations

import pytest

from koppel.errors import RecordError, StateError
from koppel.state import StateStore
from koppel.state._relations import IncomingRelation, OutgoingRow


def incoming(relation: str, name: str = "Ann", number: str | None = "10001") -> IncomingRelation:
    return IncomingRelation(
        relation=relation,
        kind="debtor",
        number=number,
        name=name,
        data={"id": relation, "name": name, "number": number},
        content_hash=f"hash-{name}",
    )


def test_store_queues_new_relations_as_insert_and_waits_without_number(
    store: StateStore,
) -> None:
    counts = store.queue_relations("q", [incoming("1"), incoming("2", number=None)])
    assert counts == {"new": 2, "changed": 0, "unchanged": 0}
    queued = store.relation_queue("q")
    assert [(r.relation, r.action, r.state) for r in queued] == [("1", "insert", "queued")]
    waiting = store.relation_queue("q", states=("waiting",))
    assert [r.relation for r in waiting] == ["2"]
    store.queue_relations("q", [incoming("2", number="10002")])
    assert [r.relation for r in store.relation_queue("q")] == ["1", "2"]


def test_store_synced_relations_leave_and_come_back_as_update_when_changed(
    store: StateStore,
) -> None:
    store.queue_relations("q", [incoming("1"), incoming("2")])
    store.relations_synced("q", {"1": "hash-Ann"})
    assert [r.relation for r in store.relation_queue("q")] == ["2"]
    counts = store.queue_relations("q", [incoming("1")])
    assert counts["unchanged"] == 1
    assert [r.relation for r in store.relation_queue("q")] == ["2"]
    store.queue_relations("q", [incoming("1", name="Ann B.")])
    row = store.relation_queue("q", relations=["1"])[0]
    assert (row.action, row.state, row.name) == ("update", "queued", "Ann B.")


def test_store_keeps_the_operators_action_and_refuses_unknown_rows(store: StateStore) -> None:
    store.queue_relations("q", [incoming("1"), incoming("2")])
    assert store.set_relation_action("q", ["1", "2"], "update") == 2
    store.queue_relations("q", [incoming("1", name="changed")])
    assert {r.action for r in store.relation_queue("q")} == {"update"}
    with pytest.raises(StateError, match="not in the queue of 'q': 3"):
        store.set_relation_action("q", ["1", "3"], "insert")
    with pytest.raises(RecordError, match="insert or update, not 'delete'"):
        store.set_relation_action("q", ["1"], "delete")


def test_store_failed_rows_keep_their_message_in_the_queue(store: StateStore) -> None:
    store.queue_relations("q", [incoming("1")])
    store.relations_failed("q", {"1": "Mandatory: Name"})
    assert store.relation_queue("q")[0].message == "Mandatory: Name"


def rows(*relations: str, message: str | None = None) -> list[OutgoingRow]:
    return [
        OutgoingRow(
            relation=r, number="1", action="insert", content_hash="hash-Ann", message=message
        )
        for r in relations
    ]


def test_store_export_ok_then_import_ok_or_failed(store: StateStore) -> None:
    store.queue_relations("q", [incoming("1"), incoming("2"), incoming("3")])
    first = store.record_relation_export("q", "/x/a.xml", rows("1", "2"), status="ok")
    assert [r.relation for r in store.relation_queue("q")] == ["3"]
    assert store.mark_relation_export(first, "ok", note="fine", by="ops") == 2
    assert {r.state for r in store.relation_queue("q", states=())} == {"synced", "queued"}
    second = store.record_relation_export("q", "/x/b.xml", rows("3"), status="ok")
    assert store.mark_relation_export(second, "failed", note="wrong ledger") == 1
    back = store.relation_queue("q")
    assert [(r.relation, r.message) for r in back] == [
        ("3", f"the import of export {second} failed: wrong ledger")
    ]
    history = store.relation_exports("q")
    assert [(h.export.id, h.imported, h.note) for h in history] == [
        (second, "failed", "wrong ledger"),
        (first, "ok", "fine"),
    ]
    assert history[1].marked_by == "ops"
    with pytest.raises(RecordError, match="marked ok already"):
        store.mark_relation_export(first, "failed")


def test_store_failed_and_trial_exports_change_only_messages(store: StateStore) -> None:
    store.queue_relations("q", [incoming("1"), incoming("2")])
    failed = store.record_relation_export(
        "q",
        "/x/a.xml",
        [*rows("1"), *rows("2", message="has no name")],
        status="failed",
        message="1 of 2",
    )
    assert store.relation_export(failed).export.records == 0
    queue = {r.relation: r.message for r in store.relation_queue("q")}
    assert queue == {"1": None, "2": "has no name"}
    trial = store.record_relation_export("q", "/x/t.xml", rows("1"), status="trial")
    assert len(store.relation_queue("q")) == 2
    for export_id in (failed, trial):
        with pytest.raises(RecordError, match="only an export that wrote relations"):
            store.mark_relation_export(export_id, "ok")
    assert [r.relation for r in store.export_rows(failed)] == ["1", "2"]


def test_store_a_relation_changed_during_its_export_comes_back_as_update(
    store: StateStore,
) -> None:
    store.queue_relations("q", [incoming("1")])
    export_id = store.record_relation_export("q", "/x/a.xml", rows("1"), status="ok")
    store.queue_relations("q", [incoming("1", name="Ann B.")])
    store.mark_relation_export(export_id, "ok")
    row = store.relation_queue("q")[0]
    assert (row.state, row.action, row.synced_hash) == ("queued", "update", "hash-Ann")
