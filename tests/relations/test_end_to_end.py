"""The relation workflow end to end on the sandboxes: EasyParty -> Exact Online.

300 relations (150 numbered in EasyParty, 150 numbered by koppel as their events are
made final or invoices made), 40 of them in Exact Online already, three that Exact
refuses (no name). Direct sync, then the same data as an XML export.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree

from koppel.cli.run import Sandboxes
from koppel.flows import parse_flow
from koppel.relations import RelationWorkflow, XmlResult
from koppel.sandbox import ContractLog
from koppel.state import StateStore, open_state
from koppel.testing import FakeClock
from koppel_easyparty.demo import HAND_TYPED, START, iso
from koppel_easyparty.sandbox import DEMO_API_KEY, make_sandbox
from koppel_exact_online.odata import pad_code

from .conftest import sandboxed

VOLUME = 300
BAD = ("1003", "1011", "1200")  # a person, an organisation and a creditor, with no name
IN_EXACT = [str(1001 + n) for n in range(0, 120, 3)]  # 40 numbered relations


@pytest.fixture(autouse=True)
def _strict(koppel_strict_contracts: ContractLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EASYPARTY_API_KEY", DEMO_API_KEY)


def flow_file(tmp_path: Path, export: str) -> Any:
    return parse_flow(
        {
            "name": "easyparty-relations",
            "source": "easyparty",
            "target": "exact",
            "entity": "relations",
            "connections": {
                "easyparty": {
                    "system": "easyparty",
                    "settings": {"tenant": "demo"},
                    "credentials": {"api_key": "env:EASYPARTY_API_KEY"},
                },
                "exact": {
                    "system": "exact-online",
                    "settings": {"region": "nl", "redirect_uri": "http://127.0.0.1:8765/cb"},
                    "credentials": {"client_id": "env:X", "client_secret": "env:Y"},
                },
            },
            "settings": {
                "relations": {
                    "export": export,
                    "folder": str(tmp_path / "exports"),
                    "debtor_numbers": [20_000, 29_999],
                    "creditor_numbers": [80_000, 89_999],
                }
            },
        }
    )


@pytest.fixture
def boxes() -> Sandboxes:
    clock = FakeClock()
    boxes = Sandboxes(seed=0, clock=clock)
    crm = make_sandbox(volume=VOLUME)
    crm.clock = clock
    boxes.boxes["easyparty"] = crm
    relations = crm.store["relations"]
    for key in BAD:
        relations.update(key, {"name": "", "first_name": None, "last_name": None})
    # the demo's one hand-typed country, corrected: the three bad ones are the test's own
    hand_typed = relations.get(str(1001 + HAND_TYPED))
    assert hand_typed is not None
    relations.update(
        str(1001 + HAND_TYPED), {"address": {**hand_typed["address"], "country": "NL"}}
    )
    due = {e["relation_id"] for e in crm.store["events"].find(status="final")}
    due |= {i["relation_id"] for i in crm.store["invoices"].find(draft=False)}
    for row in relations.all():  # those with only an option: their event is made final
        if not (row["debtor_number"] or row["creditor_number"] or row["id"] in due):
            crm.store["events"].insert(
                {
                    "id": 9000 + row["id"],
                    "relation_id": row["id"],
                    "name": "Bruiloft",
                    "status": "final",
                    "final_at": iso(START + timedelta(days=30, minutes=row["id"])),
                }
            )
    exact = boxes.box("exact-online")
    for key in IN_EXACT:
        row = relations.get(key)
        assert row is not None
        number = row["debtor_number"] or row["creditor_number"]
        guid = exact.new_id()
        exact.put(
            "Accounts",
            guid,
            {
                "ID": guid,
                "Code": pad_code(number),
                "Name": f"Old name {key}",
                "Status": "C" if row["is_debtor"] else None,
                "IsSupplier": bool(row["is_creditor"]),
                "IsSales": bool(row["is_debtor"]),
            },
        )
    return boxes


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with open_state(tmp_path / "state.sqlite3") as opened:
        yield opened


def workflow(tmp_path: Path, export: str, store: StateStore, boxes: Sandboxes) -> RelationWorkflow:
    flow, options = sandboxed(flow_file(tmp_path, export), boxes)
    return RelationWorkflow(flow, store, by="ops", **options)


def codes(boxes: Sandboxes) -> Counter[str]:
    return Counter(str(a["Code"]).strip() for a in boxes.box("exact-online").store["Accounts"])


def test_end_to_end_direct_sync_never_doubles_and_keeps_the_refused(
    tmp_path: Path, store: StateStore, boxes: Sandboxes
) -> None:
    before = len(codes(boxes))
    with workflow(tmp_path, "direct", store, boxes) as work:
        fetched = work.fetch()
        assert fetched.counts["new"] == VOLUME and not fetched.unreadable
        assert fetched.without_number == [] and not fetched.numbering.waiting
        queued = work.rows()
        assert len(queued) == VOLUME and {r.action for r in queued} == {"insert"}
        numbered = sorted(fetched.numbering.numbered.values())
        debtors = [n for n in numbered if n < 80_000]
        assert debtors == list(range(20_000, 20_000 + len(debtors)))
        existing = [r.relation for r in queued if r.relation.split(":")[0] in IN_EXACT]
        assert len(existing) == 40
        work.set_action(existing, "update")

        result = work.export()
        assert len(result.synced) == VOLUME - 3
        assert {key.split(":")[0] for key in result.failed} == set(BAD)
        assert all("Mandatory: Name" in m for m in result.failed.values())
        left = work.rows()
        assert {r.relation.split(":")[0]: r.message for r in left} == dict.fromkeys(
            BAD, "Mandatory: Name"
        )
        all_codes = codes(boxes)
        assert max(all_codes.values()) == 1, "an account was doubled"
        assert len(all_codes) == before + VOLUME - 3 - 40
        crm = boxes.box("easyparty").store["relations"]
        assert crm.get("1003")["sync_message"] == "Mandatory: Name"
        assert crm.get("1250")["debtor_number"] is not None
        assert crm.get("1250")["sync_message"] == "synced to exact-online"

        for key in ("1004", "1005", "1250"):  # changed in EasyParty
            crm.update(key, {"email": f"new{key}@example.nl", "changed_at": "2026-03-01T08:00:00Z"})
        again = work.fetch()
        assert again.counts["changed"] == 3
        assert {r.action for r in work.rows() if r.message is None} == {"update"}
        second = work.export()
        assert len(second.synced) == 3 and len(second.failed) == 3
        assert max(codes(boxes).values()) == 1
        emails = {str(a.get("Email")) for a in boxes.box("exact-online").store["Accounts"]}
        assert "new1250@example.nl" in emails


def accounts(path: Path) -> list[Any]:
    root = ElementTree.parse(path).getroot()
    assert root.tag == "eExact"
    return root.findall("Accounts/Account")


def test_end_to_end_xml_export_is_all_or_nothing(
    tmp_path: Path, store: StateStore, boxes: Sandboxes
) -> None:
    with workflow(tmp_path, "xml", store, boxes) as work:
        work.fetch()
        assert len(work.rows()) == VOLUME
        failed = work.export()
        assert isinstance(failed, XmlResult) and failed.status == "failed"
        assert failed.path.exists() and accounts(failed.path) == []
        assert {key.split(":")[0] for key in failed.failed} == set(BAD)
        messages = {r.relation.split(":")[0]: r.message for r in work.rows() if r.message}
        assert set(messages) == set(BAD)
        assert all("has no name" in m for m in messages.values())

        good = [r.relation for r in work.rows() if r.message is None]
        done = work.export(good)
        assert isinstance(done, XmlResult) and done.status == "ok"
        written = accounts(done.path)
        assert len(written) == VOLUME - 3
        first = next(a for a in written if a.get("code") == "10000")
        assert first.get("status") == "C" and first.findtext("Name") == "Feestfabriek Noord 1"
        assert first.find("Addresses/Address/Country").get("code") == "NL"
        assert len(work.rows()) == 3
        assert len(work.rows(states=("exported",))) == VOLUME - 3

        assert work.mark(done.export_id, "failed", note="Exact: wrong ledger") == VOLUME - 3
        back = work.rows()
        assert len(back) == VOLUME
        assert sum("wrong ledger" in (r.message or "") for r in back) == VOLUME - 3

        trial = work.export(good, trial=True)
        assert isinstance(trial, XmlResult) and trial.status == "trial"
        assert len(accounts(trial.path)) == VOLUME - 3
        assert len(work.rows()) == VOLUME
        history = work.history()
        assert [(h.export.status, h.imported) for h in history] == [
            ("trial", None),
            ("ok", "failed"),
            ("failed", None),
        ]
        assert history[1].marked_by == "ops" and history[1].export.records == VOLUME - 3
        assert {p.name for p in (tmp_path / "exports").iterdir()} == {
            h.export.path.rsplit("/", 1)[-1] for h in history
        }
