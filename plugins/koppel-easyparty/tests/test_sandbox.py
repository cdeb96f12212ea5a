"""The EasyParty sandbox answers and refuses as facts.py assumes the API does."""

from __future__ import annotations

import httpx
import pytest

from koppel.errors import AuthError, RejectedError
from koppel.sandbox import attach_sandbox
from koppel.sync import Connection
from koppel_easyparty import facts
from koppel_easyparty.client import EasyPartyClient
from koppel_easyparty.plugin import connector
from koppel_easyparty.sandbox import DEMO_API_KEY, EasyPartySandbox

BASE = "https://demo.easyparty.nl/api/v1"


def call(sandbox: EasyPartySandbox, method: str, path: str, **kwargs: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    with httpx.Client(transport=sandbox.transport(), headers=headers) as client:
        return client.request(method, BASE + path, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def client(connection: Connection) -> EasyPartyClient:
    found: EasyPartyClient = connector.session(connection).client
    return found


def test_sandbox_pages_relations_oldest_change_first(sandbox: EasyPartySandbox) -> None:
    first = call(sandbox, "GET", "/relations", params={"per_page": "15"}).json()
    assert first["meta"] == {"page": 1, "per_page": 15, "total": 40, "pages": 3}
    last = call(sandbox, "GET", "/relations", params={"per_page": "15", "page": "3"}).json()
    assert [r["id"] for r in first["data"]][:2] == [1001, 1002] and len(last["data"]) == 10
    since = call(sandbox, "GET", "/relations", params={"changed_since": "2026-01-05T08:30:00Z"})
    assert [r["id"] for r in since.json()["data"]] == list(range(1031, 1041))


def test_sandbox_filters_events_and_invoices(sandbox: EasyPartySandbox) -> None:
    events = call(sandbox, "GET", "/events", params={"status": "final"}).json()["data"]
    assert events and {e["status"] for e in events} == {"final"}
    invoices = call(sandbox, "GET", "/invoices", params={"draft": "false"}).json()["data"]
    assert invoices and not any(i["draft"] for i in invoices)


@pytest.mark.allow_contract_violations
def test_sandbox_refuses_what_the_api_refuses(sandbox: EasyPartySandbox) -> None:
    too_many = call(sandbox, "GET", "/relations", params={"per_page": "101"})
    assert too_many.status_code == 400
    assert too_many.json()["error"]["message"] == "page starts at 1; per_page is 1 to 100."
    unknown = call(sandbox, "PATCH", "/relations/1001", json={"name": "Other"})
    assert unknown.status_code == 400 and "name" in unknown.json()["error"]["message"]
    side = call(sandbox, "PATCH", "/relations/1001", json={"creditor_number": "70100"})
    assert side.status_code == 409
    assert side.json()["error"]["message"] == "Relation 1001 is no creditor."
    assert call(sandbox, "GET", "/relations/9").status_code == 404
    with httpx.Client(transport=sandbox.transport()) as anonymous:
        refused = anonymous.get(BASE + "/relations")
    assert refused.status_code == 401
    assert refused.json() == {"error": {"code": "unauthorized", "message": "Invalid API key."}}


def test_sandbox_a_number_changes_the_relation_a_message_does_not(
    sandbox: EasyPartySandbox,
) -> None:
    before = call(sandbox, "GET", "/relations/1022").json()["changed_at"]
    message = call(sandbox, "PATCH", "/relations/1022", json={"sync_message": "ok"}).json()
    assert message["changed_at"] == before and message["sync_message"] == "ok"
    numbered = call(sandbox, "PATCH", "/relations/1022", json={"debtor_number": "20000"}).json()
    assert numbered["debtor_number"] == "20000" and numbered["changed_at"] != before


def test_client_reads_every_page_and_carries_the_api_message(
    client: EasyPartyClient, sandbox: EasyPartySandbox
) -> None:
    rows = list(client.rows(facts.RELATIONS, {}, entity="relations"))
    assert len(rows) == 40 and sandbox.calls.total() == 4
    assert client.relation("9", entity="relations") is None
    with pytest.raises(RejectedError, match="has debtor number 10000 already"):
        client.update_relation("1001", {"debtor_number": "1"}, entity="relations")


def test_client_refuses_a_wrong_key(sandbox: EasyPartySandbox) -> None:
    connection = attach_sandbox(
        Connection(
            name="ep", system="easyparty", settings={"tenant": "demo"}, secrets={"api_key": "wrong"}
        ),
        sandbox,
    )
    client: EasyPartyClient = connector.session(connection).client
    with pytest.raises(AuthError, match="Invalid API key"):
        list(client.rows(facts.RELATIONS, {}, entity="relations"))
    connection.close()
