"""Relations: found by kind and number then kind and e-mail, each on its own side
(ambiguity named), numbered by AFAS unless the flow brings a number, debtors and
creditors, organisations and persons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from koppel.errors import ValidationError
from koppel.sync import Action, Ambiguous, Connection, TargetRecord
from koppel_afas.plugin import connector
from koppel_afas.sandbox import AfasSandbox


def find(connection: Connection, key: str, *values: str) -> Any:
    return connector.find_existing(
        connection=connection, entity="relations", match_key=key, values=list(values)
    )


def write(connection: Connection, payload: dict[str, Any], target_id: str | None = None) -> str:
    action = Action.CREATE if target_id is None else Action.UPDATE
    result = connector.upsert(
        connection=connection,
        entity="relations",
        action=action,
        payload=payload,
        target_id=target_id,
    )
    return str(result.target_id)


def pair(kind: str, value: str) -> str:
    """A compound match value as the engine joins it: ``["debtor", "10002"]``."""
    return json.dumps([kind, value])


def test_relations_found_by_kind_and_number_each_on_its_own_side(
    connection: Connection,
) -> None:
    debtor, creditor = pair("debtor", "10002"), pair("creditor", "20003")
    elsewhere = pair("debtor", "20003")  # AFAS has creditor 20003, no debtor 20003
    found = find(connection, "kind+number", debtor, creditor, elsewhere, pair("debtor", "99999"))
    assert set(found) == {debtor, creditor}
    assert found[debtor].id == "debtor:10002" and found[creditor].id == "creditor:20003"
    assert found[debtor].data["Nm"] == "Bakkerij Van Dam" and found[debtor].data["_person"] is False
    assert find(connection, "kind+number", "20003", pair("customer", "10002")) == {}


def test_relations_found_by_kind_and_email_in_any_case(connection: Connection) -> None:
    value = pair("debtor", " Info@BakkerijVanDam.nl ")
    assert find(connection, "kind+email", value)[value].id == "debtor:10002"
    assert find(connection, "kind+email", pair("creditor", "info@bakkerijvandam.nl")) == {}


def test_relations_sharing_an_email_are_ambiguous_lowest_number_first(
    connection: Connection,
) -> None:
    value = pair("debtor", "administratie@desmaak.nl")
    found = find(connection, "kind+email", value)[value]
    assert isinstance(found, Ambiguous)
    assert [c.id for c in found.candidates] == ["debtor:10007", "debtor:10008"]
    assert all(isinstance(c, TargetRecord) for c in found.candidates)


def test_relations_afas_numbers_a_new_relation_unless_it_brings_one(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    assert (
        write(connection, {"_kind": "debtor", "Nm": "Nieuw B.V.", "EmAd": "a@nieuw.nl"})
        == "debtor:10011"
    )
    assert (
        write(connection, {"_kind": "debtor", "number": "15000", "Nm": "Eigen nummer B.V."})
        == "debtor:15000"
    )
    assert sandbox.store["koppel_debtors"].get("15000")["Currency"] == "EUR"  # the connection's


def test_relations_person_creditor_with_address(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    payload = {
        "_kind": "creditor",
        "_person": True,
        "FiNm": "Jan",
        "LaNm": "Smit",
        "EmAd": "jan@smit.example",
        "Ad": "Kerkstraat",
        "HmNr": 12,
        "HmAd": "a",
        "ZpCd": "1017 GB",
        "Rs": "Amsterdam",
        "CoId": "NL",
    }
    assert write(connection, payload) == "creditor:20007"
    row = sandbox.store["koppel_creditors"].get("20007")
    assert (row["IsPerson"], row["Name"], row["HouseNumber"], row["City"]) == (
        True,
        "Jan Smit",
        12,
        "Amsterdam",
    )


def test_relations_update_keeps_the_organisation_by_its_code(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    found = find(connection, "kind+number", pair("debtor", "10005"))[pair("debtor", "10005")]
    assert write(connection, {**found.data, "TeNr": "0223-123456"}, found.id) == "debtor:10005"
    row = sandbox.store["koppel_debtors"].get("10005")
    assert (row["Phone"], row["OrgPersonCode"]) == ("0223-123456", "1005")
    assert len(sandbox.store["koppel_debtors"]) == 10  # nothing added


def test_relations_kind_filter_reads_one_side(connection: Connection) -> None:
    records = list(
        connector.fetch_records(
            connection=connection, entity="relations", cursor=None, filters={"kind": "creditor"}
        )
    )
    assert [r.id for r in records] == [f"creditor:{n}" for n in range(20001, 20007)]


def test_relations_update_without_the_organisation_number_is_refused(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    sandbox.change("debtors", "10003", OrgPersonCode=None)
    with pytest.raises(ValidationError) as refused:
        write(connection, {"_kind": "debtor", "TeNr": "033-0000000"}, "debtor:10003")
    assert refused.value.context["field"] == "OrgPersonCode"
    assert sandbox.count("PUT", "/ProfitRestServices/connectors/{id}") == 0


def test_relations_a_debtor_is_never_written_over_a_creditor(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    """AFAS numbers debtors and creditors apart: an update of a debtor with creditor
    20003's id (bound or given elsewhere) is a record error, and creditor 20003 stays as
    it was."""
    found = find(connection, "kind+number", pair("creditor", "20003"))[pair("creditor", "20003")]
    before = dict(sandbox.store["koppel_creditors"].get("20003"))
    with pytest.raises(ValidationError, match="20003 is creditor 20003 in AFAS, not a debtor"):
        write(connection, {**found.data, "_kind": "debtor", "Nm": "Een debiteur"}, found.id)
    assert sandbox.store["koppel_creditors"].get("20003") == before
    assert sandbox.count("PUT", "/ProfitRestServices/connectors/{id}") == 0


def test_relations_a_kind_filter_value_is_checked_before_anything_is_read() -> None:
    from koppel.errors import ConfigurationError

    info = connector.koppel_system().entity("relations")
    assert info is not None and info.check_filters is not None
    info.check_filters({"kind": "creditor"})
    with pytest.raises(ConfigurationError, match="debtor or creditor, not 'debitor'"):
        info.check_filters({"kind": "debitor"})
