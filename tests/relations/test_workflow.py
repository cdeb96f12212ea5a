"""The relation workflow on EasyParty's demo (40 relations) with XML export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from koppel.cli.run import Sandboxes
from koppel.errors import ConfigurationError, FatalError, RecordError, StateError
from koppel.flows import parse_flow
from koppel.relations import RelationWorkflow
from koppel.sandbox import ContractLog
from koppel.state import open_state
from koppel.testing import FakeClock
from koppel_easyparty.sandbox import DEMO_API_KEY

from .conftest import sandboxed


@pytest.fixture(autouse=True)
def _strict(koppel_strict_contracts: ContractLog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EASYPARTY_API_KEY", DEMO_API_KEY)


def make_flow(debtors: list[int], **extra: Any) -> Any:
    return parse_flow(
        {
            "name": "crm-to-xml",
            "source": "easyparty",
            "target": "exact",
            "entity": extra.pop("entity", "relations"),
            "connections": {
                "easyparty": {
                    "system": "easyparty",
                    "settings": {"tenant": "demo"},
                    "credentials": {"api_key": "env:EASYPARTY_API_KEY"},
                },
                "exact": {"system": "exact-online", "settings": {"region": "nl"}},
            },
            "settings": {
                "relations": {"export": "xml", "debtor_numbers": debtors, **extra},
            },
        }
    )


@pytest.fixture
def boxes() -> Sandboxes:
    return Sandboxes(seed=0, clock=FakeClock())


@pytest.fixture
def work(tmp_path: Path, boxes: Sandboxes) -> Iterator[RelationWorkflow]:
    flow, options = sandboxed(make_flow([20_000, 29_999], creditor_numbers=[80_000, 80_009]), boxes)
    with (
        open_state(tmp_path / "state.sqlite3") as store,
        RelationWorkflow(flow, store, **options) as opened,
    ):
        yield opened


def test_workflow_a_lost_write_back_is_written_again_with_the_same_number(
    work: RelationWorkflow, boxes: Sandboxes
) -> None:
    first = work.fetch()
    assert first.numbering.numbered["1022:debtor"] == 20_001
    crm = boxes.box("easyparty").store["relations"]
    crm.update("1022", {"debtor_number": None})  # as if the write-back never arrived
    again = work.fetch()
    assert again.numbering.numbered == {} and again.counts["unchanged"] == 40
    assert crm.get("1022")["debtor_number"] == "20001"


def test_workflow_a_used_up_range_names_itself_and_the_relations_wait(
    tmp_path: Path, boxes: Sandboxes
) -> None:
    flow, options = sandboxed(make_flow([20_000, 20_004], creditor_numbers=[1, 9]), boxes)
    with (
        open_state(tmp_path / "s.sqlite3") as store,
        RelationWorkflow(flow, store, **options) as work,
    ):
        result = work.fetch()
        debtors = [n for k, n in result.numbering.numbered.items() if k.endswith(":debtor")]
        assert debtors == list(range(20_000, 20_005))
        assert len(result.numbering.waiting) == 11
        message = next(iter(result.numbering.waiting.values()))
        assert "number range 'easyparty:debtor' is used up" in message
        waiting = work.rows(states=("waiting",))
        assert {r.relation for r in waiting} >= set(result.numbering.waiting)
        with pytest.raises(RecordError, match="relation 1030:debtor waits for a number"):
            work.number("1030:debtor")


def test_workflow_a_kind_without_range_stops_the_fetch(tmp_path: Path, boxes: Sandboxes) -> None:
    flow, options = sandboxed(make_flow([20_000, 29_999]), boxes)
    with (
        open_state(tmp_path / "s.sqlite3") as store,
        RelationWorkflow(flow, store, **options) as work,
        pytest.raises(ConfigurationError, match="no number range for creditors"),
    ):
        work.fetch()


def test_workflow_a_relation_on_both_sides_gets_two_numbers(
    work: RelationWorkflow, boxes: Sandboxes
) -> None:
    crm = boxes.box("easyparty").store["relations"]
    crm.update("1022", {"is_creditor": True})
    work.fetch()
    numbers = {r.relation: r.number for r in work.rows()}
    assert numbers["1022:debtor"] == "20001" and numbers["1022:creditor"] == "80000"
    assert crm.get("1022")["creditor_number"] == "80000"  # its event came first


def test_workflow_refuses_what_it_cannot_do(work: RelationWorkflow, tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="run koppel relations fetch first"):
        work.number("1022:debtor")
    with pytest.raises(RecordError, match="nothing to export"):
        work.export()
    with pytest.raises(ConfigurationError, match="moves relations, not 'customers'"):
        RelationWorkflow(make_flow([1, 2], entity="customers"), work.store)
    work.fetch()
    with pytest.raises(StateError, match="no relation export 99"):
        work.mark(99, "ok")


def test_workflow_a_direct_sync_stopped_by_a_fatal_error_keeps_what_it_did(
    work: RelationWorkflow,
) -> None:
    work.fetch()
    parts = work.parts
    written: list[str] = []

    def upsert(**call: Any) -> Any:
        if len(written) == 2:
            raise FatalError("the token is spent: run koppel auth")
        written.append(call["payload"]["Name"])
        return parts.upsert(**call)

    work._parts = attrs.evolve(parts, upsert=upsert)
    with pytest.raises(FatalError, match="token is spent"):
        work.export(["1001:debtor", "1002:debtor", "1004:debtor"], xml=False)
    left = {row.relation for row in work.rows()}
    assert "1004:debtor" in left and not {"1001:debtor", "1002:debtor"} & left
    bound = work.store.get_bindings(*parts.scope, ["1001:debtor", "1002:debtor"])
    assert set(bound) == {"1001:debtor", "1002:debtor"}


def test_workflow_a_number_the_crm_refuses_leaves_the_relation_waiting(
    work: RelationWorkflow, boxes: Sandboxes
) -> None:
    crm = boxes.box("easyparty").store["relations"]
    crm.update("1002", {"debtor_number": "20000"})  # typed in EasyParty, inside the range
    result = work.fetch()
    assert result.numbering.numbered["1021:debtor"] == 20_000
    assert result.not_written["1021:debtor"] == (
        "number 20000 not written to the CRM: The debtor number 20000 belongs to relation 1002."
    )
    assert "1021:debtor" in result.without_number
    assert [r.relation for r in work.rows(states=("waiting",))].count("1021:debtor") == 1
    assert crm.get("1021")["debtor_number"] is None


def test_workflow_a_message_the_crm_does_not_take_stops_no_export(
    work: RelationWorkflow, boxes: Sandboxes
) -> None:
    work.fetch()
    boxes.box("easyparty").faults.inject("500", times=50)
    result = work.export()
    assert result.status == "failed" and list(result.failed) == ["1012:debtor"]
    (row,) = [r for r in work.rows() if r.message]
    assert row.relation == "1012:debtor" and "Nederland" in row.message
