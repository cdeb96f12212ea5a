"""The dashboard's pages without a browser: sign-in required, read-only users without
actions (403), CSRF, and each page's data and actions on a state store of the test's."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from koppel.flows import Flow, load_flow
from koppel.push import inbox_of, push_records, validate_pushed
from koppel.records import Commitment
from koppel.relations import content_hash
from koppel.state import StateStore
from koppel.state._relations import IncomingRelation
from koppel.web._accounts import audit_entries

ROOT = Path(__file__).resolve().parents[2]
PUSHED = "erp-commitments"
RELATIONS = "easyparty-relations-xml"
HTML = {"Accept": "text/html"}
SignIn = Callable[[TestClient, str], str]

PAGES = [
    "/flows",
    f"/flows/{PUSHED}",
    "/activity",
    f"/activity?flow={PUSHED}&q=PO-1",
    f"/activity/record?flow={PUSHED}&record=PO-1",
    "/parked",
    "/relations",
    f"/relations/{RELATIONS}",
    f"/relations/{RELATIONS}/history",
    "/commitments",
    "/webhooks",
]
ACTIONS = [
    (f"/flows/{PUSHED}/run", {}),
    ("/parked/retry", {"flow": PUSHED}),
    ("/parked/1/discard", {}),
    (f"/relations/{RELATIONS}/action", {"action": "update", "relations": "1001:debtor"}),
    (f"/relations/{RELATIONS}/export", {"how": "xml"}),
    (f"/relations/{RELATIONS}/fetch", {}),
    (f"/relations/{RELATIONS}/history/1/mark", {"result": "failed"}),
]


@pytest.fixture
def store(koppel_state_store: StateStore) -> StateStore:
    """SQLite, and PostgreSQL when ``KOPPEL_TEST_POSTGRES_URL`` is set."""
    return koppel_state_store


@pytest.fixture
def relations_flow(tmp_path: Path) -> Flow:
    """The example's XML relations flow, writing its files to the test's folder."""
    text = (ROOT / "examples" / f"{RELATIONS}.toml").read_text(encoding="utf-8")
    path = tmp_path / f"{RELATIONS}.toml"
    path.write_text(text.replace('export = "xml"', 'export = "xml"\nfolder = "exports"', 1))
    return load_flow(path)


@pytest.fixture
def flows(push_flow: Flow, relations_flow: Flow) -> Mapping[str, Flow]:
    return {push_flow.name: push_flow, relations_flow.name: relations_flow}


def commitment(n: int, amount: str = "100.00") -> dict[str, Any]:
    return {"id": f"PO-{n}", "code": f"PO-{n}", "supplier": "S1", "amount": amount,
            "open_amount": amount, "gl_account": "4000", "administration": "1"}  # fmt: skip


def push(store: StateStore, flow: Flow, records: list[dict[str, Any]]) -> None:
    inbox = inbox_of(flow.source.name, flow.source.settings)
    checked = [validate_pushed(flow.entity, record) for record in records]
    push_records(store, inbox, flow.entity, checked, pushed_by="test")


def park(store: StateStore, flow: str, source_id: str) -> int:
    store.park(flow, "commitments", source_id, {"id": source_id}, "no such supplier", "E", None)
    return next(p.id for p in store.parked(flow) if p.source_id == source_id)


def queue(store: StateStore, *numbers: int) -> list[str]:
    """Queue debtors numbered ``numbers`` (ids 1001, 1002, ...); their keys."""
    incoming = []
    for n, number in enumerate(numbers, start=1001):
        address = {"street": "Markt 1", "city": "Zwolle", "country": "NL"}
        data = {"id": str(n), "kind": "debtor", "number": str(number), "name": f"Zaal {n}"}
        data = {**data, "address": address}
        incoming.append(
            IncomingRelation(
                relation=f"{n}:debtor",
                kind="debtor",
                number=str(number),
                name=f"Zaal {n}",
                data=data,
                content_hash=content_hash(data),
            )
        )
    store.queue_relations(RELATIONS, incoming)
    return [item.relation for item in incoming]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_sign_in(client: TestClient, path: str) -> None:
    answer = client.get(path, headers=HTML, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=/")


@pytest.mark.parametrize("path", PAGES)
def test_pages_shown_to_a_reader_without_action_buttons(
    client: TestClient, signed_in: SignIn, store: StateStore, path: str
) -> None:
    park(store, PUSHED, "PO-9")
    queue(store, 20000)
    signed_in(client, "read-only")
    answer = client.get(path, headers=HTML)
    assert answer.status_code == 200, answer.text
    for button in ("Run now", "Retry now", "Discard", "Export XML", "Import failed", "Fetch from"):
        assert button not in answer.text


@pytest.mark.parametrize(("path", "form"), ACTIONS)
def test_pages_actions_refused_to_a_reader(
    client: TestClient, signed_in: SignIn, store: StateStore, path: str, form: dict[str, str]
) -> None:
    park(store, PUSHED, "PO-9")
    token = signed_in(client, "read-only")
    answer = client.post(path, data={"csrf_token": token, **form}, headers=HTML)
    assert answer.status_code == 403
    assert "operator role" in answer.text
    assert [p.source_id for p in store.parked()] == ["PO-9"]
    assert audit_entries(store) == []


@pytest.mark.parametrize(("path", "form"), ACTIONS)
def test_pages_actions_need_the_csrf_token(
    client: TestClient, signed_in: SignIn, store: StateStore, path: str, form: dict[str, str]
) -> None:
    park(store, PUSHED, "PO-9")
    signed_in(client, "operator")
    answer = client.post(path, data={"csrf_token": "forged", **form}, headers=HTML)
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    assert audit_entries(store) == []


def test_pages_run_now_follows_progress_to_the_summary(
    client: TestClient, signed_in: SignIn, store: StateStore, push_flow: Flow
) -> None:
    push(store, push_flow, [commitment(1), commitment(2, "250.00")])
    token = signed_in(client, "operator")
    flows = client.get("/flows", headers=HTML).text
    assert f'action="/flows/{PUSHED}/run"' in flows
    started = client.post(
        f"/flows/{PUSHED}/run", data={"csrf_token": token}, follow_redirects=False
    )
    assert started.headers["location"] == f"/flows/{PUSHED}/progress"
    client.app.state.web.launcher.wait(PUSHED, timeout=60)  # type: ignore[attr-defined]
    assert 'id="progress"' in client.get(f"/flows/{PUSHED}/progress", headers=HTML).text
    progress = client.get(f"/flows/{PUSHED}/progress.json").json()
    assert progress["finished"] and progress["error"] is None and progress["processed"] == 2
    summary = client.get(progress["summary"], headers=HTML).text
    assert "<th>created</th>" in summary and "<td>2</td>" in summary
    assert [(e.actor, e.action) for e in audit_entries(store, flow=PUSHED)] == [
        ("user:anna", "run.start")
    ]

    # the activity log finds a record by a value it holds, and shows its three sides
    found = client.get("/activity", params={"q": "250.00"}, headers=HTML).text
    assert "record=PO-2" in found and "record=PO-1" not in found
    record = client.get(
        "/activity/record", params={"flow": PUSHED, "record": "PO-2"}, headers=HTML
    ).text
    assert record.count('class="doc"') == 3 and "&#34;amount&#34;: &#34;250.00&#34;" in record

    # the register it filled: open amounts, no bookings matched yet
    register = client.get("/commitments", params={"open": "true"}, headers=HTML).text
    assert "PO-1" in register and "250.00" in register


def test_pages_discard_a_parked_record(
    client: TestClient, signed_in: SignIn, store: StateStore
) -> None:
    parked_id = park(store, PUSHED, "PO-7")
    signed_in(client, "operator")
    page = client.get(f"/parked/{parked_id}", headers=HTML).text
    assert "no such supplier" in page and "Discard" in page
    answer = client.post(f"/parked/{parked_id}/discard", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 200 and f"discarded parked record {parked_id}" in answer.text
    assert store.parked() == []
    assert store.activity(record_id="PO-7")[-1].action == "discard"
    entry = audit_entries(store)[0]
    assert (entry.actor, entry.action, entry.flow) == ("user:anna", "parked.discard", PUSHED)
    assert dict(entry.details) == {"parked": [parked_id]}
    assert client.get(f"/parked/{parked_id}", headers=HTML).status_code == 404


def test_pages_retry_of_a_flow_not_served_makes_it_due(
    client: TestClient, signed_in: SignIn, store: StateStore
) -> None:
    parked_id = park(store, "elsewhere", "X-1")
    token = signed_in(client, "operator")
    answer = client.post(
        "/parked/retry", data={"csrf_token": token, "flow": "elsewhere", "ids": str(parked_id)}
    )
    assert "1 parked record(s) of elsewhere are due" in answer.text
    assert [p.id for p in store.parked(due_only=True)] == [parked_id]
    assert audit_entries(store)[0].action == "parked.retry"


def test_pages_relations_set_action_export_and_mark(
    client: TestClient, signed_in: SignIn, store: StateStore, tmp_path: Path
) -> None:
    keys = queue(store, 20000, 20001, 20002, 20003)
    token = signed_in(client, "operator")
    page = client.get(f"/relations/{RELATIONS}", headers=HTML).text
    assert all(f'data-relation="{key}"' in page for key in keys)

    set_update = client.post(
        f"/relations/{RELATIONS}/action",
        data={"csrf_token": token, "action": "update", "relations": keys[:2]},
    )
    assert "2 relation(s) set to update" in set_update.text
    assert [r.action for r in store.relation_queue(RELATIONS)] == [
        "update",
        "update",
        "insert",
        "insert",
    ]

    trial = client.post(
        f"/relations/{RELATIONS}/export", data={"csrf_token": token, "how": "trial"}
    )
    assert "(trial): 4 account(s)" in trial.text
    exported = client.post(
        f"/relations/{RELATIONS}/export",
        data={"csrf_token": token, "how": "xml", "relations": keys[:3]},
    )
    assert "export 2 (ok): 3 account(s)" in exported.text
    assert [r.relation for r in store.relation_queue(RELATIONS)] == [keys[3]]
    xml = client.get(f"/relations/{RELATIONS}/history/2/file")
    assert xml.headers["content-type"] == "application/xml"
    assert xml.text.count("<Account ") == 3 and (tmp_path / "exports").is_dir()
    assert "Import failed" in exported.text  # the export waits for its mark

    refused = client.post(
        f"/relations/{RELATIONS}/history/1/mark", data={"csrf_token": token, "result": "ok"}
    )
    assert "flash error" in refused.text  # a trial cannot be marked
    marked = client.post(
        f"/relations/{RELATIONS}/history/2/mark",
        data={"csrf_token": token, "result": "failed", "note": "journal blocked"},
    )
    assert "3 relation(s) are back in the queue" in marked.text
    back = {r.relation: r.message for r in store.relation_queue(RELATIONS)}
    assert back == {
        **{key: "the import of export 2 failed: journal blocked" for key in keys[:3]},
        keys[3]: None,
    }
    actions = [(e.action, e.actor) for e in reversed(audit_entries(store, flow=RELATIONS))]
    assert actions == [
        ("relations.set_action", "user:anna"),
        ("relations.export", "user:anna"),
        ("relations.export", "user:anna"),
        ("relations.mark", "user:anna"),
    ]
    assert store.relation_export(2).marked_by == "user:anna"


def test_pages_webhooks_and_matched_bookings(
    client: TestClient, signed_in: SignIn, store: StateStore
) -> None:
    store.save_commitment(
        Commitment(id="PO-5", code="PO-5", amount=Decimal("80"), open_amount=Decimal("30")),
        source_system="erp",
        source_id="PO-5",
    )
    booking_id, _ = store.save_booking(
        "INV-77",
        administration=None,
        entry={"reference": "INV-77", "lines": [{"account": "1600", "amount": "-50.00"}]},
        commitment_bookings=[
            {"source_system": "erp", "record": {"commitment": "PO-5", "amount": "50.00"}}
        ],
        lowered=[],
    )
    store.queue_deliveries(
        [
            {
                "key": "k-1",
                "source": "erp",
                "target": "fin",
                "booking_id": booking_id,
                "url": "https://example.test/hook",
                "body": "{}",
            }
        ]
    )
    delivery = store.deliveries(booking_id)[0]
    store.record_attempt(delivery.id, status=500, answer="busy", delivered=False)
    signed_in(client, "read-only")
    register = client.get("/commitments", headers=HTML).text
    assert f"booking {booking_id}: invoice INV-77, 50.00" in register
    hooks = client.get("/webhooks", params={"waiting": "true"}, headers=HTML).text
    assert "https://example.test/hook" in hooks and "500" in hooks and "busy" in hooks


def test_pages_run_reads_a_changed_flow_file_again(
    client: TestClient, signed_in: SignIn, store: StateStore, push_flow: Flow
) -> None:
    assert push_flow.path is not None
    web = client.app.state.web  # type: ignore[attr-defined]
    token = signed_in(client, "operator")
    text = push_flow.path.read_text(encoding="utf-8")
    push_flow.path.write_text(text.replace('target = "register"', 'target = "nowhere"'))
    broken = client.post(f"/flows/{PUSHED}/run", data={"csrf_token": token})
    assert broken.url.path == f"/flows/{PUSHED}"
    assert "flash error" in broken.text and "nowhere" in broken.text
    assert web.launcher.progress(PUSHED) is None and web.flows[PUSHED] is push_flow

    scheduled = text.replace(
        'entity = "commitments"\n', 'entity = "commitments"\nschedule = "0 6 * * *"\n'
    )
    assert scheduled != text
    push_flow.path.write_text(scheduled, encoding="utf-8")
    started = client.post(f"/flows/{PUSHED}/run", data={"csrf_token": token})
    assert started.url.path == f"/flows/{PUSHED}/progress"
    progress = web.launcher.wait(PUSHED, timeout=60)
    assert progress is not None and progress.error is None
    assert web.flows[PUSHED].schedule.cron == "0 6 * * *"
    assert "<code>0 6 * * *</code>" in client.get(f"/flows/{PUSHED}", headers=HTML).text


def test_pages_a_running_run_reloads_until_it_ends(
    client: TestClient, signed_in: SignIn, store: StateStore
) -> None:
    run_id = store.start_run(PUSHED)
    signed_in(client, "read-only")
    refresh = '<meta http-equiv="refresh"'
    assert refresh in client.get(f"/runs/{run_id}", headers=HTML).text
    flow = client.get(f"/flows/{PUSHED}", headers=HTML).text
    assert refresh in flow and f"Running now: run {run_id}" in flow
    store.finish_run(run_id, status="ok", counts={"created": 3})
    done = client.get(f"/runs/{run_id}", headers=HTML).text
    assert refresh not in done and "<td>3</td>" in done
