"""Core's relation workflow syncing a CRM's relations directly to AccountView's sandbox:
``koppel relations fetch / set-action / export`` (issue 19).

The CRM is EasyParty's sandbox (the first CRM plugin); these tests are skipped where
koppel-easyparty is not installed (the plugin's own tox environment). 40 demo
relations: 38 get a number, three of them are in AccountView already (set to update),
two have no name (AccountView refuses them), one has a country typed by hand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from koppel.cli import cli
from koppel.cli.run import Sandboxes
from koppel.flows import load_flow
from koppel.relations import RelationWorkflow
from koppel.sandbox import ContractLog
from koppel.state import StateStore, open_state
from koppel.testing import FakeClock

easyparty = pytest.importorskip("koppel_easyparty.sandbox")

NAMELESS = ("1011", "1016")  # an organisation and a creditor
#: Relations whose number AccountView holds already, and the side it holds it on (the
#: demo's debtor 10001 is relation 1002's number).
IN_ACCOUNTVIEW = {"1003": "AR1", "1008": "AP1"}
EXISTING = ["1002:debtor", "1003:debtor", "1008:creditor"]
FLOW = """
name = "easyparty-relations-to-accountview"
source = "easyparty"
target = "accountview"
entity = "relations"

[connections.easyparty]
system = "easyparty"
settings = { tenant = "demo" }
credentials = { api_key = "env:EASYPARTY_API_KEY" }

[connections.accountview]
system = "accountview"
settings = { company = "DEMO", client_id = "your-accountview-api-key" }
credentials = { client_secret = "env:ACCOUNTVIEW_CLIENT_SECRET" }

[settings.relations]
export = "direct"
debtor_numbers = [20000, 29999]
creditor_numbers = [80000, 89999]
"""


@pytest.fixture(autouse=True)
def _key(koppel_strict_contracts: ContractLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EASYPARTY_API_KEY", easyparty.DEMO_API_KEY)


@pytest.fixture
def boxes() -> Sandboxes:
    boxes = Sandboxes(seed=0, clock=FakeClock())
    relations = boxes.box("easyparty").store["relations"]
    for key in NAMELESS:
        relations.update(key, {"name": "", "first_name": None, "last_name": None})
    accountview: Any = boxes.box("accountview")
    for key, side in IN_ACCOUNTVIEW.items():
        row = relations.get(key)
        number = row["debtor_number"] or row["creditor_number"]
        accountview.store["CONTACT"].insert(
            {
                "SUB_NR": number,
                "ACCT_NAME": f"Oude naam {key}",
                "SRC_CODE": "OUD",
                "ACCT_NR": "1210" if side == "AR1" else "1600",
                "_LEDGER": side,
            }
        )
    return boxes


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with open_state(tmp_path / "state.sqlite3") as opened:
        yield opened


def numbers(boxes: Sandboxes) -> Counter[str]:
    return Counter(str(row["SUB_NR"]) for row in boxes.box("accountview").store["CONTACT"])


def test_relations_direct_sync_to_accountview_never_doubles_and_keeps_the_refused(
    tmp_path: Path, store: StateStore, boxes: Sandboxes, koppel_strict_contracts: ContractLog
) -> None:
    (tmp_path / "flow.toml").write_text(FLOW)
    flow = boxes.prepare(load_flow(tmp_path / "flow.toml"))
    before = numbers(boxes)
    options: dict[str, Any] = {"prepare_connection": boxes.attach, "token_store": boxes.tokens}
    with RelationWorkflow(flow, store, by="ops", **options) as work:
        work.fetch()
        queued = work.rows()
        work.set_action(EXISTING, "update")

        result = work.export()
        koppel_strict_contracts.take()  # the nameless ones broke CONTACT's contract, as meant
        failed = {key.split(":")[0]: message for key, message in result.failed.items()}
        assert set(failed) == {*NAMELESS, "1012"}
        assert all("ACCT_NAME" in failed[key] for key in NAMELESS)
        assert "CONTACT.CNT_CODE holds 2 characters" in failed["1012"]  # 'Nederland'
        assert len(result.synced) == len(queued) - 3

        after = numbers(boxes)
        assert max(after.values()) == 1, "a relation was doubled"
        assert len(after) == len(before) + len(queued) - 3 - len(EXISTING)
        accountview: Any = boxes.box("accountview")
        updated = accountview.relation(work_number(queued, "1008:creditor"), "AP1")
        assert updated["ACCT_NAME"] == "Vervoer Pendel 8"
        creditor = accountview.relation(work_number(queued, "1024:creditor"), "AP1")
        assert creditor is not None and creditor["ACCT_NR"] == "1600"
        crm = boxes.box("easyparty").store["relations"]
        assert crm.get("1024")["sync_message"] == "synced to accountview"
        assert "ACCT_NAME" in crm.get("1011")["sync_message"]

        crm.update("1004", {"email": "nieuw1004@example.nl", "changed_at": "2026-03-01T08:00:00Z"})
        again = work.fetch()
        assert again.counts["changed"] == 1
        second = work.export(["1004:debtor"])
        assert second.synced == ["1004:debtor"] and not second.failed
        assert max(numbers(boxes).values()) == 1
        number = work_number(queued, "1004:debtor")
        assert accountview.relation(number, "AR1")["MAIL_BUS"] == "nieuw1004@example.nl"


def work_number(rows: Any, relation: str) -> str:
    (row,) = [r for r in rows if r.relation == relation]
    return str(row.number)


def test_cli_relations_export_syncs_directly_to_the_accountview_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EASYPARTY_API_KEY")  # --sandbox gives the sandboxes' keys
    flow = tmp_path / "flow.toml"
    flow.write_text(FLOW)
    state = str(tmp_path / "state.sqlite3")
    runner = CliRunner()

    def koppel(*args: str, code: int = 0) -> Result:
        result = runner.invoke(cli, ["relations", *args, "--state", state])
        assert result.exit_code == code, result.output
        return result

    fetched = koppel("fetch", "--sandbox", str(flow))
    assert "40 new, 0 changed, 0 unchanged; queued: 38 (38 insert, 0 update)" in fetched.output
    named = ("1001:debtor", "1002:debtor", "1008:creditor")
    refused = koppel("export", "--sandbox", str(flow), *named, code=1)
    assert "synced 2, failed 1" in refused.output
    # the demo's debtor 10001 is in AccountView already: an insert is refused by koppel
    assert "failed 1002:debtor: accountview has a relation numbered 10001 already" in (
        refused.output
    )
    koppel("set-action", str(flow), "update", "1002:debtor")
    assert "synced 1, failed 0" in koppel("export", "--sandbox", str(flow), "1002:debtor").output
    listed = koppel("list", str(flow)).output
    assert not any(line.startswith(named) for line in listed.splitlines())

    kept = Sandboxes.kept(Path(state + ".sandboxes"))
    accountview: Any = kept.box("accountview")
    assert accountview.relation("10001", "AR1")["ACCT_NAME"] == "Zaal De Hoeve 2"
    assert accountview.relation("70007", "AP1")["ACCT_NAME"] == "Vervoer Pendel 8"
    assert len(accountview.store["CONTACT"].find(SUB_NR="10001")) == 1
