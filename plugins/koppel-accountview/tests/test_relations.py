"""Relations (debtors AR1, creditors AP1) written and found by number, as core's relation
workflow writes them (issue 19)."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.errors import RejectedError
from koppel.mapping import compile_mapping
from koppel.sandbox import ContractLog
from koppel.sync import Action, Connection, Direction, TargetRecord
from koppel_accountview.functions import FUNCTIONS
from koppel_accountview.plugin import connector


def relation(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "1024:creditor",
        "kind": "creditor",
        "number": "80000",
        "company_name": "Vervoer Pendel 24",
        "contact": {"first_name": "Gijs", "last_name": "Brouwer"},
        "email": "Vervoer.Pendel.24@example.nl",
        "phone": "0575338372",
        "vat_number": "NL659799206B01",
        "iban": "NL91ABNA0417164300",
        "address": {
            "street": "Schoolstraat",
            "house_number": "67",
            "postcode": "6211HA",
            "city": "Maastricht",
            "country": "NL",
        },
    }
    base.update(changes)
    return base


def write(
    connection: Connection, data: dict[str, Any], action: Action = Action.CREATE, **kw: Any
) -> Any:
    spec = connector.default_mapping(
        connection=connection, entity="relations", direction="outbound"
    )
    mapping = compile_mapping(spec, name="relations", functions=FUNCTIONS)
    payload = mapping.apply(data, action=action)
    return connector.upsert(
        connection=connection, entity="relations", action=action, payload=payload, **kw
    )


def find(connection: Connection, *numbers: str) -> Any:
    return connector.find_existing(
        connection=connection, entity="relations", match_key="number", values=list(numbers)
    )


def test_relation_creditor_is_created_through_ap1_on_the_creditors_account(
    connection: Connection, sandbox: Any
) -> None:
    result = write(connection, relation(), target_id=None)
    assert result.target_id == "80000"
    row = sandbox.relation("80000", "AP1")
    assert row is not None and sandbox.relation("80000", "AR1") is None
    assert row["ACCT_NR"] == "1600" and row["ACCT_NAME"] == "Vervoer Pendel 24"
    assert row["MAIN_CONT"] == "Gijs Brouwer" and row["MAIL_BUS"] == "vervoer.pendel.24@example.nl"
    assert row["IBAN_NR"] == "NL91ABNA0417164300" and row["POST_CODE"] == "6211 HA"
    assert row["SRC_CODE"] == "VERVOERPEN"
    assert sandbox.writes["AP1"] == 1


def test_relation_debtor_goes_to_ar1_and_both_sides_are_found_by_number(
    connection: Connection, sandbox: Any
) -> None:
    write(connection, relation(), target_id=None)
    write(
        connection,
        relation(kind="debtor", number="20000", company_name=None, name="Pim"),
        target_id=None,
    )
    assert sandbox.relation("20000", "AR1")["ACCT_NR"] == "1210"
    found = find(connection, "20000", "80000", "70001", "99999")
    assert set(found) == {"20000", "80000", "70001"}
    assert isinstance(found["80000"], TargetRecord)
    assert {n: found[n].data["kind"] for n in found} == {
        "20000": "debtor",
        "80000": "creditor",
        "70001": "creditor",
    }


def test_relation_update_is_a_put_of_its_own_side_and_keeps_the_number(
    connection: Connection, sandbox: Any
) -> None:
    write(connection, relation(), target_id=None)
    changed = relation(company_name="Vervoer Pendel Zuid", number="80000")
    result = write(connection, changed, Action.UPDATE, target_id="80000")
    assert result.target_id == "80000"
    assert sandbox.relation("80000", "AP1")["ACCT_NAME"] == "Vervoer Pendel Zuid"
    assert len(sandbox.store["CONTACT"].find(SUB_NR="80000")) == 1


def test_sandbox_refuses_a_number_the_other_side_has_and_an_update_across_sides(
    connection: Connection, sandbox: Any
) -> None:
    debtor = relation(kind="debtor", number="10001")  # the demo's debtor 10001
    with pytest.raises(RejectedError, match="Relatie 10001 bestaat al als debiteur"):
        write(connection, {**debtor, "kind": "creditor"}, target_id=None)
    with pytest.raises(RejectedError, match="CONTACT 10001 bestaat niet in AP1"):
        write(connection, {**debtor, "kind": "creditor"}, Action.UPDATE, target_id="10001")
    assert sandbox.relation("10001", "AR1")["ACCT_NAME"] == "Bakkerij De Korenschoof"


def test_sandbox_refuses_a_relation_without_a_name_as_accountview_does(
    connection: Connection, sandbox: Any, koppel_strict_contracts: ContractLog
) -> None:
    nameless = relation(company_name=None, name=None, contact=None)
    with pytest.raises(RejectedError, match="ACCT_NAME"):
        write(connection, nameless, target_id=None)
    assert [v.path for v in koppel_strict_contracts.take()] == ["CONTACT.ACCT_NAME"]
    assert sandbox.relation("80000") is None


def test_relation_mapping_sends_no_number_on_update(connection: Connection) -> None:
    spec = connector.default_mapping(
        connection=connection, entity="relations", direction=Direction.OUTBOUND
    )
    mapping = compile_mapping(spec, name="relations", functions=FUNCTIONS)
    assert "SUB_NR" not in mapping.apply(relation(), action=Action.UPDATE)
    assert mapping.apply(relation(), action=Action.CREATE)["SUB_NR"] == "80000"


def test_new_debtor_skips_a_number_a_creditor_has(connection: Connection, sandbox: Any) -> None:
    """AccountView numbers debtors and creditors in one range: 10004 is a creditor's."""
    creditor = relation(number="10004", company_name="Drukkerij Vijf")
    write(connection, creditor, target_id=None)
    spec = connector.default_mapping(
        connection=connection, entity="customers", direction="outbound"
    )
    mapping = compile_mapping(spec, name="customers", functions=FUNCTIONS)
    payload = mapping.apply({"email": "nieuw@example.nl", "name": "Nieuwe Klant"})
    result = connector.upsert(
        connection=connection,
        entity="customers",
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )
    assert result.target_id == "10005"  # the demo's debtors go up to 10003
    assert sandbox.relation("10005", "AR1")["MAIL_BUS"] == "nieuw@example.nl"
