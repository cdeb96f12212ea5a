"""The commitments register in the state store: saving and the matching step's look-ups."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from koppel.errors import RecordError
from koppel.records import Commitment, CommitmentLine
from koppel.state import StateStore


def afas(code: str, **fields: object) -> Commitment:
    values: dict[str, object] = {
        "id": f"id-{code}",
        "administration": "acme",
        "code": code,
        "supplier": "CRED-2001",
        "gl_account": "7010",
        "amount": Decimal("1000.00"),
        "open_amount": Decimal("1000.00"),
        **fields,
    }
    return Commitment(**values)  # type: ignore[arg-type]


def test_saving_twice_keeps_one_row_and_the_newest_data(store: StateStore) -> None:
    first = store.save_commitment(afas("VP-1"), source_system="afas", source_id="id-VP-1")
    again = store.save_commitment(
        afas("VP-1", open_amount=Decimal("250.10")), source_system="afas", source_id="id-VP-1"
    )
    assert first == again
    (only,) = store.commitments()
    assert only.commitment.open_amount == Decimal("250.10")
    assert (only.source_system, only.source_id) == ("afas", "id-VP-1")


def test_a_commitment_comes_back_as_it_was_saved(store: StateStore) -> None:
    commitment = afas(
        "VP-2",
        internal_reference="INT-2",
        external_reference="EXT-2",
        delivery_notes=("LB-1", "LB-2"),
        project="P-1",
        cost_centre="CC-9",
        supplier_name="Betonhandel Noord",
        description="Concrete",
        status="open",
        modified_at=datetime(2026, 10, 1, 8, 30, tzinfo=UTC),
        lines=(
            CommitmentLine(
                id="L1",
                number="1",
                gl_account="7020",
                delivery_notes=("LB-3",),
                amount=Decimal("12.345"),
                open_amount=Decimal("0.005"),
            ),
        ),
    )
    register_id = store.save_commitment(commitment, source_system="afas", source_id="id-VP-2")
    saved = store.commitment(register_id)
    assert saved is not None
    assert saved.commitment == commitment


def test_an_update_by_register_id_replaces_that_row(store: StateStore) -> None:
    register_id = store.save_commitment(afas("VP-3"), source_system="afas", source_id="id-VP-3")
    store.save_commitment(
        afas("VP-3", status="closed", handled=True),
        source_system="afas",
        source_id="id-VP-3",
        register_id=register_id,
    )
    saved = store.commitment(register_id)
    assert saved is not None and saved.commitment.status == "closed"
    with pytest.raises(RecordError, match="commitment 999 is not in the register"):
        store.save_commitment(
            afas("VP-9"), source_system="afas", source_id="id-VP-9", register_id=999
        )


def test_look_ups_by_reference_ignore_case_and_blanks(store: StateStore) -> None:
    store.save_commitment(afas("VP-10"), source_system="afas", source_id="1")
    store.save_commitment(
        afas("VP-11", internal_reference="vp-10"), source_system="afas", source_id="2"
    )
    store.save_commitment(
        afas("VP-12", external_reference="VP-10", supplier="OTHER"),
        source_system="afas",
        source_id="3",
    )
    found = store.commitments_by_reference(" vp-10 ")
    assert [c.commitment.code for c in found] == ["VP-10", "VP-11", "VP-12"]
    only_supplier = store.commitments_by_reference("VP-10", supplier="CRED-2001")
    assert [c.commitment.code for c in only_supplier] == ["VP-10", "VP-11"]
    assert store.commitments_by_reference("VP-10", administration="other") == []


def test_look_ups_by_delivery_note_see_the_lines_too(store: StateStore) -> None:
    store.save_commitment(
        afas("B-1", delivery_notes=("LB-1",)), source_system="exact-bouw", source_id="1"
    )
    store.save_commitment(
        afas("B-2", lines=(CommitmentLine(id="x", delivery_notes=("lb-1",)),)),
        source_system="exact-bouw",
        source_id="2",
    )
    assert [c.commitment.code for c in store.commitments_by_delivery_note("LB-1")] == [
        "B-1",
        "B-2",
    ]
    assert store.commitments_by_reference("LB-1") == []


def test_a_changed_commitment_loses_its_old_keys(store: StateStore) -> None:
    store.save_commitment(
        afas("VP-20", delivery_notes=("LB-20",)), source_system="a", source_id="1"
    )
    store.save_commitment(afas("VP-21", delivery_notes=()), source_system="a", source_id="1")
    assert store.commitments_by_reference("VP-20") == []
    assert store.commitments_by_delivery_note("LB-20") == []
    assert len(store.commitments_by_reference("VP-21")) == 1


def test_open_commitments_have_an_open_amount_and_are_not_handled(store: StateStore) -> None:
    store.save_commitment(afas("O-1"), source_system="a", source_id="1")
    store.save_commitment(
        afas("O-2", open_amount=Decimal("0.00")), source_system="a", source_id="2"
    )
    store.save_commitment(afas("O-3", handled=True), source_system="a", source_id="3")
    store.save_commitment(afas("O-4", supplier="OTHER"), source_system="a", source_id="4")
    assert [c.commitment.code for c in store.commitments(open_only=True)] == ["O-1", "O-4"]
    assert [
        c.commitment.code for c in store.commitments_by_supplier("CRED-2001", open_only=True)
    ] == ["O-1"]
    assert [c.commitment.code for c in store.commitments_by_supplier("CRED-2001")] == [
        "O-1",
        "O-2",
        "O-3",
    ]


def test_by_code_groups_per_code_within_one_source_oldest_first(store: StateStore) -> None:
    store.save_commitment(afas("C-1"), source_system="afas", source_id="1")
    store.save_commitment(afas("C-1", administration="other"), source_system="afas", source_id="2")
    store.save_commitment(afas("C-1"), source_system="exact-bouw", source_id="1")
    found = store.commitments_by_code(["C-1", "C-2"], source_system="afas")
    assert list(found) == ["C-1"]
    assert [c.source_id for c in found["C-1"]] == ["1", "2"]
    narrowed = store.commitments_by_code(["C-1"], source_system="afas", administration="acme")
    assert [c.source_id for c in narrowed["C-1"]] == ["1"]


def test_a_deleted_commitment_is_gone_with_its_keys(store: StateStore) -> None:
    kept = store.save_commitment(
        afas("K-1", delivery_notes=("LB-1",)), source_system="a", source_id="1"
    )
    gone = store.save_commitment(
        afas("K-2", delivery_notes=("LB-1",)), source_system="a", source_id="2"
    )
    assert store.delete_commitment(gone) is True
    assert store.delete_commitment(gone) is False
    assert store.commitment(gone) is None
    assert [c.id for c in store.commitments_by_delivery_note("LB-1")] == [kept]
    assert store.commitments_by_reference("K-2") == []
