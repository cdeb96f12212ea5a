"""Records pushed into a flow through the API land once each, also when pushed twice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from koppel.flows import Flow
from koppel.push import push_records, pushed_after, validate_pushed
from koppel.state import StateStore
from koppel.web._accounts import audit_entries

from .conftest import bearer

FLOW = "erp-commitments"


@pytest.fixture
def store(koppel_state_store: StateStore) -> StateStore:
    return koppel_state_store


@pytest.fixture
def flows(push_flow: Flow) -> Mapping[str, Flow]:
    return {push_flow.name: push_flow}


def commitment(n: int, amount: str = "100.00") -> dict[str, Any]:
    return {
        "id": f"PO-{n:05d}",
        "code": f"PO-{n:05d}",
        "supplier": f"S{n % 7}",
        "amount": amount,
        "open_amount": amount,
        "gl_account": "4000",
    }


def push(client: TestClient, token: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    answer = client.post(
        f"/api/flows/{FLOW}/records", json={"records": records}, headers=bearer(token)
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def run(client: TestClient, token: str) -> dict[str, int]:
    """Run the flow in the server and wait for it; its counts."""
    answer = client.post(f"/api/flows/{FLOW}/runs", headers=bearer(token))
    assert answer.status_code == 202, answer.text
    assert answer.json()["via"] == "thread"
    progress = client.app.state.web.launcher.wait(FLOW, timeout=120)  # type: ignore[attr-defined]
    assert progress is not None and progress.error is None, progress
    assert progress.result is not None
    counts: dict[str, int] = progress.result.counts
    return counts


def register_rows(store: StateStore) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT source_id, amount FROM koppel_commitments ORDER BY source_id")
        )
        return [(str(row[0]), str(row[1])) for row in rows]


def test_push_1000_records_land_once_each(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    created = 0
    for batch in range(10):
        records = [commitment(n) for n in range(batch * 100, batch * 100 + 100)]
        if batch:  # the last 10 of the batch before, pushed again unchanged
            records += [commitment(n) for n in range(batch * 100 - 10, batch * 100)]
        kept = push(client, operator_token, records)
        assert (kept["new"], kept["changed"], kept["unchanged"]) == (100, 0, 10 if batch else 0)
        if batch % 3 == 2:  # runs in between pushes
            created += run(client, operator_token)["created"]
    created += run(client, operator_token)["created"]
    assert created == 1000
    rows = register_rows(store)
    assert len(rows) == 1000
    assert {source_id for source_id, _ in rows} == {f"PO-{n:05d}" for n in range(1000)}
    again = run(client, operator_token)
    assert again["created"] == again["updated"] == again["failed"] == 0


def test_push_same_record_twice_lands_once(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    first = push(client, operator_token, [commitment(1), commitment(1)])
    assert (first["new"], first["unchanged"]) == (1, 0)
    assert run(client, operator_token)["created"] == 1
    second = push(client, operator_token, [commitment(1)])
    assert (second["new"], second["changed"], second["unchanged"]) == (0, 0, 1)
    counts = run(client, operator_token)
    assert counts["created"] == counts["updated"] == 0
    assert register_rows(store) == [("PO-00001", "100.00")]


def test_push_changed_record_updates_the_one_it_landed_as(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    push(client, operator_token, [commitment(1), commitment(2)])
    run(client, operator_token)
    changed = push(client, operator_token, [commitment(1, amount="80.00"), commitment(2)])
    assert (changed["new"], changed["changed"], changed["unchanged"]) == (0, 1, 1)
    counts = run(client, operator_token)
    assert (counts["created"], counts["updated"]) == (0, 1)
    assert register_rows(store) == [("PO-00001", "80.00"), ("PO-00002", "100.00")]


def test_push_refuses_a_record_that_is_not_canonical_and_keeps_none(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    records = [
        commitment(1),
        {**commitment(2), "amount": "lots"},
        {"code": "X"},
        {**commitment(3), "supplyer": "S1"},
    ]
    answer = client.post(
        f"/api/flows/{FLOW}/records", json={"records": records}, headers=bearer(operator_token)
    )
    assert answer.status_code == 422
    problems = answer.json()["detail"]
    assert [p["loc"] for p in problems] == [
        ["body", "records", 1, "amount"],
        ["body", "records", 2, "id"],
        ["body", "records", 3, "supplyer"],
    ]
    assert "Commitment.amount" in problems[0]["msg"]
    assert "needs its id" in problems[1]["msg"]
    assert problems[2]["msg"] == "Commitment has no field supplyer"
    assert pushed_after(store, "erp", "commitments", 0) == []


def test_push_into_a_flow_that_reads_another_source_is_refused(
    tmp_path: Any, store: StateStore, operator_token: str, push_system: None
) -> None:
    from koppel.flows import load_flow
    from koppel.web import create_app

    path = tmp_path / "books.toml"
    path.write_text(
        'name = "books"\nsource = "books"\ntarget = "register"\nentity = "commitments"\n'
        '[connections.books]\nsystem = "booking"\n'
        '[connections.register]\nsystem = "register"\nsettings = { source_system = "x" }\n'
    )
    app = create_app(store, flows={"books": load_flow(path)}, cookie_secure=False)
    with TestClient(app) as client:
        answer = client.post(
            "/api/flows/books/records",
            json={"records": [commitment(1)]},
            headers=bearer(operator_token),
        )
    assert answer.status_code == 409
    assert 'system = "push"' in answer.json()["detail"]


def test_push_is_audited_with_the_token(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    push(client, operator_token, [commitment(1), commitment(2)])
    entry = audit_entries(store, flow=FLOW)[0]
    assert entry.action == "records.push"
    assert entry.actor.startswith("token:")
    assert entry.details == {"records": 2, "new": 2, "changed": 0, "unchanged": 0}


def test_push_inbox_numbers_changes_in_order(store: StateStore) -> None:
    records = [validate_pushed("commitments", commitment(n)) for n in range(3)]
    push_records(store, "erp", "commitments", records)
    push_records(store, "erp", "commitments", [validate_pushed("commitments", commitment(0, "5"))])
    seen = pushed_after(store, "erp", "commitments", 0)
    assert [(r.record_id, r.seq) for r in seen] == [
        ("PO-00001", 2),
        ("PO-00002", 3),
        ("PO-00000", 4),
    ]
    assert [r.record_id for r in pushed_after(store, "erp", "commitments", 3)] == ["PO-00000"]
    assert pushed_after(store, "other", "commitments", 0) == []


def test_push_validates_stock_by_sku_and_warehouse() -> None:
    record_id, data = validate_pushed("stock", {"sku": "A-1", "warehouse": "W2", "on_hand": 3})
    assert record_id == "A-1@W2"
    assert data["on_hand"] == "3"
    with pytest.raises(Exception, match="'nonsense' is no canonical entity"):
        validate_pushed("nonsense", {})


def test_push_from_several_clients_at_once_lands_each_once(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    """Four pushers, each sending 250 records of its own and 50 of its neighbour's, while
    runs go on: every record lands once."""
    import threading

    errors: list[BaseException] = []

    def pusher(first: int) -> None:
        try:
            for start in range(first, first + 250, 50):
                overlap = (start + 250) % 1000
                records = [commitment(n) for n in range(start, start + 50)]
                records += [commitment(n) for n in range(overlap, overlap + 10)]
                push(client, operator_token, records)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=pusher, args=(n * 250,)) for n in range(4)]
    for thread in threads:
        thread.start()
    created = 0
    while any(thread.is_alive() for thread in threads):
        created += run(client, operator_token)["created"]
    for thread in threads:
        thread.join()
    assert errors == []
    created += run(client, operator_token)["created"]
    assert created == 1000
    assert len(register_rows(store)) == 1000


def test_push_retention_forgets_data_but_not_that_it_landed(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    from datetime import timedelta

    push(client, operator_token, [commitment(1)])
    assert store.purge(timedelta(days=30)).pushed == 0  # what koppel purge runs
    assert store.purge(timedelta(0)).pushed == 1
    assert pushed_after(store, "erp", "commitments", 0)[0].data == {}
    again = push(client, operator_token, [commitment(1)])
    assert again["unchanged"] == 1
    counts = run(client, operator_token)
    assert counts["created"] == counts["failed"] == 0
    push(client, operator_token, [commitment(2)])
    assert run(client, operator_token)["created"] == 1


def test_a_run_of_a_flow_whose_file_broke_is_refused_naming_the_problem(
    client: TestClient, operator_token: str, push_flow: Flow
) -> None:
    assert push_flow.path is not None
    text = push_flow.path.read_text(encoding="utf-8")
    push_flow.path.write_text(text.replace('target = "register"', 'target = "nowhere"'))
    answer = client.post(f"/api/flows/{FLOW}/runs", headers=bearer(operator_token))
    assert answer.status_code == 409, answer.text
    assert "the flow cannot run" in answer.json()["detail"] and "nowhere" in answer.json()["detail"]
