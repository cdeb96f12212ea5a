"""What the API answers: flows and runs, activity search, parked retry and discard with
the audit trail, bookings as ``koppel bookings show --json`` shows them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from koppel.cli import cli
from koppel.flows import Flow
from koppel.push import push_records, validate_pushed
from koppel.state import StateStore
from koppel.web._accounts import audit_entries

from .conftest import bearer

FLOW = "erp-commitments"


@pytest.fixture
def flows(push_flow: Flow) -> Mapping[str, Flow]:
    return {push_flow.name: push_flow}


def get(client: TestClient, token: str, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


def fill_activity(store: StateStore) -> int:
    run = store.start_run(FLOW)
    store.log_activity(
        run,
        FLOW,
        "commitments",
        "PO-1",
        "create",
        source={"code": "AV-9999", "supplier": {"email": "Info@Jansen.nl"}},
        sent={"sku": "SKU-42", "api_key": "hunter2"},
        response={"id": 7},
    )
    store.log_activity(run, FLOW, "commitments", "PO-2", "skip", source={"code": "AV-1000"})
    store.log_activity(run, "other", "orders", "1036", "fail", message="no customer")
    store.finish_run(run, status="ok", counts={"created": 1})
    return run


def test_api_flows_lists_served_and_known_flows(
    client: TestClient, store: StateStore, reader_token: str
) -> None:
    run = fill_activity(store)
    store.finish_run(store.start_run("other"), status="ok", counts={})
    flows = get(client, reader_token, "/api/flows")
    assert [f["name"] for f in flows] == [FLOW, "other"]
    served = flows[0]
    assert served["served"] and served["pushable"]
    assert (served["source"], served["target"], served["entity"]) == (
        "push",
        "register",
        "commitments",
    )
    assert served["last_run"]["id"] == run and served["last_run"]["counts"] == {"created": 1}
    assert not flows[1]["served"] and flows[1]["source"] is None
    assert get(client, reader_token, f"/api/flows/{FLOW}/runs")[0]["status"] == "ok"
    assert get(client, reader_token, f"/api/runs/{run}")["flow"] == FLOW
    missing = client.get("/api/flows/nope", headers=bearer(reader_token))
    assert missing.status_code == 404
    assert "flows: erp-commitments" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("query", "records"),
    [
        ("AV-9999", ["PO-1"]),  # an order number in what came in
        ("info@jansen.NL", ["PO-1"]),  # an e-mail, nested, any case
        ("SKU-42", ["PO-1"]),  # a SKU in what was sent
        ("PO-2", ["PO-2"]),  # a record id
        ("AV-", ["PO-2", "PO-1"]),  # part of one: newest first
        ("nothing like it", []),
    ],
)
def test_api_activity_search(
    client: TestClient, store: StateStore, reader_token: str, query: str, records: list[str]
) -> None:
    fill_activity(store)
    found = get(client, reader_token, f"/api/flows/{FLOW}/activity", q=query)
    assert [entry["record"] for entry in found] == records


def test_api_activity_is_redacted_and_filtered(
    client: TestClient, store: StateStore, reader_token: str
) -> None:
    fill_activity(store)
    (entry,) = get(client, reader_token, "/api/activity", record="PO-1")
    assert entry["sent"]["api_key"] != "hunter2"
    assert entry["response"] == {"id": 7}
    failed = get(client, reader_token, "/api/activity", failed=True)
    assert [(e["flow"], e["record"], e["message"]) for e in failed] == [
        ("other", "1036", "no customer")
    ]
    assert len(get(client, reader_token, "/api/activity", limit=2)) == 2


def park(store: StateStore, record: str) -> int:
    store.park(FLOW, "commitments", record, {"id": record}, "no supplier", "ValidationError", None)
    return next(p.id for p in store.parked(FLOW) if p.source_id == record)


def test_api_parked_retry_runs_the_flow_and_is_audited(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    first, second = park(store, "PO-1"), park(store, "PO-2")
    listed = get(client, operator_token, "/api/parked", flow=FLOW)
    assert [p["id"] for p in listed] == [first, second]
    assert get(client, operator_token, f"/api/parked/{first}")["message"] == "no supplier"
    answer = client.post(
        f"/api/flows/{FLOW}/parked/retry",
        json={"ids": [first], "run": False},
        headers=bearer(operator_token),
    )
    assert answer.json() == {"flow": FLOW, "parked": [first], "run": None}
    due = {p.id for p in store.parked(FLOW, due_only=True)}
    assert due == {first}
    entry = audit_entries(store, flow=FLOW)[0]
    assert (entry.action, entry.details) == ("parked.retry", {"parked": [first]})
    assert entry.actor.startswith("token:")


def test_api_parked_retry_names_records_the_flow_does_not_hold(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    park(store, "PO-1")
    answer = client.post(
        f"/api/flows/{FLOW}/parked/retry",
        json={"ids": [999], "run": False},
        headers=bearer(operator_token),
    )
    assert answer.status_code == 404
    assert answer.json()["detail"] == "flow 'erp-commitments' has no parked record 999"
    assert audit_entries(store) == []


def test_api_parked_retry_with_a_run_lands_the_fixed_record(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    """A record parked earlier, fixed at the source (pushed again), lands on the retry."""
    parked_id = park(store, "PO-1")
    fixed = validate_pushed("commitments", {"id": "PO-1", "code": "PO-1", "amount": "5"})
    push_records(store, "erp", "commitments", [fixed])
    answer = client.post(f"/api/flows/{FLOW}/parked/retry", json={}, headers=bearer(operator_token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["run"]["via"] == "thread"
    progress = client.app.state.web.launcher.wait(FLOW, timeout=60)  # type: ignore[attr-defined]
    assert progress.result.counts["created"] == 1
    assert store.parked(FLOW) == []
    shown = get(client, operator_token, f"/api/flows/{FLOW}/progress")
    assert shown["finished"] and shown["run"] == progress.result.run_id
    assert shown["processed"] >= 1
    assert [e.action for e in audit_entries(store, flow=FLOW)] == ["run.start", "parked.retry"]
    assert parked_id not in {p.id for p in store.parked()}


def test_api_parked_discard(client: TestClient, store: StateStore, operator_token: str) -> None:
    parked_id = park(store, "PO-1")
    answer = client.post(f"/api/parked/{parked_id}/discard", headers=bearer(operator_token))
    assert answer.json() == {"flow": FLOW, "parked": [parked_id], "run": None}
    assert store.parked() == []
    assert store.activity(flow=FLOW)[-1].action == "discard"
    again = client.post(f"/api/parked/{parked_id}/discard", headers=bearer(operator_token))
    assert again.status_code == 404
    (entry,) = audit_entries(store)
    assert (entry.action, entry.flow, entry.details) == (
        "parked.discard",
        FLOW,
        {"parked": [parked_id]},
    )


def test_api_run_twice_at_once_is_a_conflict(
    client: TestClient, store: StateStore, operator_token: str
) -> None:
    import threading

    from koppel.web._runs import RunProgress

    launcher = client.app.state.web.launcher  # type: ignore[attr-defined]
    release = threading.Event()
    launcher.runner = lambda flow, store, observer: release.wait(10)
    first = client.post(f"/api/flows/{FLOW}/runs", headers=bearer(operator_token))
    second = client.post(f"/api/flows/{FLOW}/runs", headers=bearer(operator_token))
    release.set()
    launcher.join(10)
    assert (first.status_code, second.status_code) == (202, 409)
    assert "running already" in second.json()["detail"]
    assert isinstance(launcher.progress(FLOW), RunProgress)


def test_api_booking_is_what_the_cli_shows(
    client: TestClient, store: StateStore, reader_token: str, tmp_path: Path
) -> None:
    entry = {
        "reference": "INV-1",
        "currency": "EUR",
        "lines": [
            {"account": "1600", "amount": "-121.00", "relation": "S1"},
            {"account": "4000", "amount": "100.00"},
            {"account": "1510", "amount": "21.00"},
        ],
    }
    booking_id, _ = store.save_booking(
        "INV-1", administration="01", entry=entry, commitment_bookings=[], lowered=[]
    )
    store.queue_deliveries(
        [
            {
                "key": "k-1",
                "source": "books",
                "target": "exact",
                "booking_id": booking_id,
                "url": "https://erp.example.com/hook",
                "body": "{}",
            }
        ]
    )
    (delivery,) = store.deliveries(booking_id)
    store.record_attempt(delivery.id, status=503, answer="busy", delivered=False)
    shown = get(client, reader_token, f"/api/bookings/{booking_id}")
    cli_json = CliRunner().invoke(
        cli, ["bookings", "show", str(booking_id), "--json", "--state", store.engine.url.database]
    )
    assert cli_json.exit_code == 0, cli_json.output
    expected = json.loads(cli_json.output)
    assert _same_moments(shown) == _same_moments(expected)
    listed = get(client, reader_token, "/api/bookings")
    assert [(b["id"], b["total"], b["notifications"]) for b in listed] == [
        (booking_id, "121.00", 1)
    ]
    assert client.get("/api/bookings/99", headers=bearer(reader_token)).status_code == 404


def _same_moments(document: Any) -> Any:
    """``document`` with every ISO moment in one spelling (``Z`` or ``+00:00``)."""
    if isinstance(document, dict):
        return {key: _same_moments(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_same_moments(value) for value in document]
    if isinstance(document, str) and document.endswith("Z"):
        return document[:-1] + "+00:00"
    return document


def test_api_audit_lists_actions_newest_first(
    client: TestClient, store: StateStore, reader_token: str
) -> None:
    from koppel.web._accounts import record_action

    record_action(store, "cli:anna", "token.create", {"token": 1})
    record_action(store, "user:anna", "parked.discard", {"parked": [3]}, flow=FLOW)
    listed = get(client, reader_token, "/api/audit")
    assert [(e["actor"], e["action"], e["flow"]) for e in listed] == [
        ("user:anna", "parked.discard", FLOW),
        ("cli:anna", "token.create", None),
    ]
    assert [e["action"] for e in get(client, reader_token, "/api/audit", flow=FLOW)] == [
        "parked.discard"
    ]
    older = get(client, reader_token, "/api/audit", before=listed[0]["id"])
    assert [e["action"] for e in older] == ["token.create"]
