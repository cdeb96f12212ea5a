"""AFAS as the target of core's relation workflow by direct sync (``koppel relations
export``): AFAS numbers debtors and creditors apart, so a debtor is looked up among the
debtors and a creditor among the creditors (match key ``kind+number``), and debtor 20001
and creditor 20001 both sync.

The CRM is EasyParty's sandbox; skipped where koppel-easyparty is not installed (the
plugin's own tox environment).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from koppel.cli.run import Sandboxes
from koppel.flows import parse_flow
from koppel.relations import DirectResult, RelationWorkflow
from koppel.state import open_state
from koppel.testing import FakeClock
from koppel_afas.sandbox import PARTICIPANT, AfasSandbox

easyparty = pytest.importorskip("koppel_easyparty.sandbox")


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EASYPARTY_API_KEY", easyparty.DEMO_API_KEY)
    monkeypatch.setenv("AFAS_TOKEN", "unused: the sandbox gives its own")


@pytest.fixture
def boxes() -> Sandboxes:
    return Sandboxes(seed=0, clock=FakeClock())


@pytest.fixture
def work(tmp_path: Path, boxes: Sandboxes) -> Iterator[RelationWorkflow]:
    """EasyParty's relations to AFAS, debtors and creditors both numbered from 20001."""
    flow = parse_flow(
        {
            "name": "easyparty-relations-to-afas",
            "source": "easyparty",
            "target": "afas",
            "entity": "relations",
            "connections": {
                "easyparty": {
                    "system": "easyparty",
                    "settings": {"tenant": "demo"},
                    "credentials": {"api_key": "env:EASYPARTY_API_KEY"},
                },
                "afas": {
                    "system": "afas",
                    "settings": {"participant": PARTICIPANT},
                    "credentials": {"token": "env:AFAS_TOKEN"},
                },
            },
            "settings": {
                "relations": {
                    "export": "direct",
                    "debtor_numbers": [20001, 29999],
                    "creditor_numbers": [20001, 29999],
                }
            },
        }
    )
    options = {"prepare_connection": boxes.attach, "token_store": boxes.tokens}
    with (
        open_state(tmp_path / "state.sqlite3") as store,
        RelationWorkflow(boxes.prepare(flow), store, **options) as opened,
    ):
        yield opened


def test_debtor_20001_and_creditor_20001_both_sync(
    work: RelationWorkflow, boxes: Sandboxes
) -> None:
    work.fetch()
    rows = {row.kind: row for row in work.rows() if row.number == "20001"}
    assert set(rows) == {"debtor", "creditor"}
    afas: AfasSandbox = boxes.box("afas")  # type: ignore[assignment]
    assert afas.store["koppel_creditors"].get("20001") is not None  # AFAS's demo creditor
    assert afas.store["koppel_debtors"].get("20001") is None
    debtor, creditor = rows["debtor"].relation, rows["creditor"].relation
    work.set_action([creditor], "update")  # creditor 20001 is in AFAS already
    result = work.export([debtor, creditor])
    assert isinstance(result, DirectResult)
    assert result.failed == {} and set(result.synced) == {debtor, creditor}
    made = afas.store["koppel_debtors"].get("20001")
    assert made is not None and made["Name"] == rows["debtor"].name
    assert afas.store["koppel_creditors"].get("20001")["Name"] == rows["creditor"].name


def test_an_insert_of_a_number_its_own_side_holds_fails_naming_it(
    work: RelationWorkflow,
) -> None:
    """Creditor 20001 as an insert: AFAS holds creditor 20001, so the row fails asking for
    an update; debtor 20001 (not in AFAS) is inserted all the same."""
    work.fetch()
    rows = {row.kind: row for row in work.rows() if row.number == "20001"}
    result = work.export([rows["debtor"].relation, rows["creditor"].relation])
    assert isinstance(result, DirectResult)
    assert result.synced == [rows["debtor"].relation]
    message = result.failed[rows["creditor"].relation]
    assert "numbered 20001 already (creditor:20001)" in message
