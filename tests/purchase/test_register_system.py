"""The register system: a flow from any commitments source fills the register."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import RejectedError
from koppel.flows import Flow, parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.purchase import register
from koppel.records import Commitment
from koppel.state import StateStore
from koppel.sync import Action, Ambiguous, Connection, TargetRecord
from koppel.testing import StateTarget


@pytest.fixture
def erp() -> MemorySystem:
    return MemorySystem("erp", entities={"commitments": ("code",)})


@pytest.fixture
def manager(erp: MemorySystem) -> KoppelPluginManager:
    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.register(register.connector, "register")
    pm.register(erp, "erp")
    return pm


def commitment(code: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"src-{code}",
        "code": code,
        "supplier": "CRED-2001",
        "gl_account": "7010",
        "amount": "500.00",
        "open_amount": "500.00",
        **fields,
    }


def flow_for(state_at: StateTarget | None, **settings: Any) -> Flow:
    """The flow into the register: in the store at ``state_at``, or None: the run's own."""
    where = {"state": state_at.location} if state_at is not None else {}
    return parse_flow(
        {
            "name": "erp-commitments",
            "source": "erp",
            "target": "register",
            "entity": "commitments",
            "connections": {
                "erp": {"system": "erp"},
                "register": {
                    "system": "register",
                    "settings": {
                        "source_system": "afas",
                        **where,
                        **settings,
                    },
                },
            },
        }
    )


def test_a_flow_fills_the_register_and_updates_it(
    store: StateStore, state_at: StateTarget, erp: MemorySystem, manager: KoppelPluginManager
) -> None:
    erp.put("commitments", "src-VP-1", commitment("VP-1", delivery_notes=["LB-1"]))
    erp.put("commitments", "src-VP-2", commitment("VP-2", administration="other"))
    flow = flow_for(state_at, administration="acme")
    assert run_flow(flow, store, manager=manager).counts["created"] == 2
    saved = {c.commitment.code: c for c in store.commitments()}
    assert saved["VP-1"].source_system == "afas"
    assert saved["VP-1"].source_id == "src-VP-1"
    assert saved["VP-1"].commitment.administration == "acme"  # filled from the setting
    assert saved["VP-2"].commitment.administration == "other"
    assert store.commitments_by_delivery_note("LB-1")[0].commitment.code == "VP-1"

    erp.put("commitments", "src-VP-1", commitment("VP-1", open_amount="120.00"))
    again = run_flow(flow, store, manager=manager)
    assert (again.counts["created"], again.counts["updated"]) == (0, 1)
    assert len(store.commitments()) == 2
    (updated,) = store.commitments_by_reference("VP-1")
    assert updated.commitment.open_amount == Decimal("120.00")
    assert updated.id == saved["VP-1"].id


def test_the_register_is_the_runs_own_state_store_when_no_state_is_set(
    store: StateStore, erp: MemorySystem, manager: KoppelPluginManager
) -> None:
    erp.put("commitments", "src-VP-3", commitment("VP-3"))
    assert run_flow(flow_for(None), store, manager=manager).counts["created"] == 1
    (saved,) = store.commitments()  # the run did not close the store it borrowed
    assert saved.commitment.code == "VP-3"


def test_an_existing_row_is_found_by_code_and_not_written_twice(
    store: StateStore, state_at: StateTarget, erp: MemorySystem, manager: KoppelPluginManager
) -> None:
    register_id = store.save_commitment(
        Commitment(code="VP-7", administration="acme"), source_system="afas", source_id="src-VP-7"
    )
    erp.put("commitments", "src-VP-7", commitment("VP-7", administration="acme"))
    result = run_flow(flow_for(state_at), store, manager=manager)
    assert result.counts["created"] == 0
    (only,) = store.commitments()
    assert only.id == register_id
    assert only.commitment.supplier == "CRED-2001"


def connection(state_at: StateTarget, **settings: Any) -> Connection:
    return Connection(
        name="register",
        system="register",
        settings={"source_system": "afas", "state": state_at.location, **settings},
    )


def test_find_answers_ambiguous_for_a_code_several_commitments_share(
    store: StateStore, state_at: StateTarget
) -> None:
    first = store.save_commitment(Commitment(code="D-1"), source_system="afas", source_id="1")
    second = store.save_commitment(Commitment(code="D-1"), source_system="afas", source_id="2")
    store.save_commitment(Commitment(code="S-1"), source_system="afas", source_id="3")
    store.save_commitment(Commitment(code="S-1"), source_system="exact-bouw", source_id="3")
    live = connection(state_at)
    try:
        found = register.connector.find_existing(live, "commitments", "code", ["D-1", "S-1", "X"])
    finally:
        live.close()
    assert found is not None
    ambiguous = found["D-1"]
    assert isinstance(ambiguous, Ambiguous)
    assert [c.id for c in ambiguous.candidates] == [str(first), str(second)]
    assert isinstance(found["S-1"], TargetRecord)
    assert "X" not in found


def test_a_commitment_without_id_or_code_is_rejected(
    store: StateStore, state_at: StateTarget
) -> None:
    live = connection(state_at)
    try:
        with pytest.raises(RejectedError, match="neither an id nor a code"):
            register.connector.upsert(live, "commitments", Action.CREATE, {"amount": "1"}, None)
    finally:
        live.close()


def test_the_register_closes_its_store_with_the_run(
    store: StateStore, state_at: StateTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[StateStore] = []
    monkeypatch.setattr(StateStore, "close", lambda self: closed.append(self))
    live = connection(state_at)
    register.connector.upsert(live, "commitments", Action.CREATE, {"code": "Z-1"}, None)
    assert closed == []
    live.close()
    assert len(closed) == 1 and closed[0] is not store


def test_a_commitment_deleted_in_its_source_is_deleted_from_the_register(
    store: StateStore, state_at: StateTarget
) -> None:
    register_id = store.save_commitment(Commitment(code="R-1"), source_system="afas", source_id="1")
    info = register.connector.koppel_system().entity("commitments")
    assert info is not None and info.delete
    live = connection(state_at)
    try:
        assert register.connector.delete_record(live, "commitments", str(register_id)) is True
        assert register.connector.delete_record(live, "commitments", str(register_id)) is True
    finally:
        live.close()
    assert store.commitments() == []
