"""Relations read from EasyParty: one record per ledger side, numbers due, write-back."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.errors import RejectedError
from koppel.mapping import compile_mapping
from koppel.plugins import KoppelPluginManager
from koppel.records import Relation, structure
from koppel.sync import Action, Connection, Direction
from koppel_easyparty.plugin import connector
from koppel_easyparty.sandbox import EasyPartySandbox


def _hooks() -> Any:
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "easyparty")
    return manager.hooks_for("easyparty")


HOOKS = _hooks()


def hooks_call(name: str, connection: Connection, **kwargs: Any) -> Any:
    return getattr(HOOKS, name)(connection=connection, **kwargs)


def fetched(connection: Connection) -> dict[str, Any]:
    records = hooks_call("fetch_records", connection, entity="relations", cursor=None, filters={})
    return {record.id: record for record in records}


def canonical(connection: Connection, data: Any) -> Relation:
    spec = HOOKS.default_mapping(
        connection=connection, entity="relations", direction=Direction.INBOUND
    )
    mapped = HOOKS.map_record(
        connection=connection,
        entity="relations",
        direction=Direction.INBOUND,
        data=data,
        mapping=compile_mapping(spec, name="inbound"),
        action=None,
        existing=None,
    )
    return structure(dict(mapped), Relation)


def test_relations_each_ledger_side_is_a_record_with_its_number(
    connection: Connection, sandbox: EasyPartySandbox
) -> None:
    sandbox.store["relations"].update("1001", {"is_creditor": True, "creditor_number": "70500"})
    records = fetched(connection)
    debtor = canonical(connection, records["1001:debtor"].data)
    creditor = canonical(connection, records["1001:creditor"].data)
    assert (debtor.kind, debtor.number, creditor.kind, creditor.number) == (
        "debtor",
        "10000",
        "creditor",
        "70500",
    )
    assert debtor.company_name == "Feestfabriek Noord 1"
    assert debtor.contact is not None and debtor.contact.first_name
    assert len(records) == 41


def test_relations_without_number_say_why_they_are_due(connection: Connection) -> None:
    records = fetched(connection)
    final = canonical(connection, records["1022:debtor"].data)  # n = 21: an event made final
    invoiced = canonical(connection, records["1027:debtor"].data)  # n = 26: an invoice
    waiting = canonical(connection, records["1030:debtor"].data)  # n = 29: an option only
    assert final.number is None
    assert final.custom["number_due"]["reason"].endswith("made final")
    assert invoiced.custom["number_due"]["reason"].startswith("invoice F2026-")
    assert "number_due" not in waiting.custom
    person = invoiced  # n = 26 is a person
    assert person.company_name is None and person.name and " " in person.name


def write(connection: Connection, target: str, data: dict[str, Any]) -> Any:
    spec = HOOKS.default_mapping(
        connection=connection, entity="relations", direction=Direction.OUTBOUND
    )
    payload = HOOKS.map_record(
        connection=connection,
        entity="relations",
        direction=Direction.OUTBOUND,
        data=data,
        mapping=compile_mapping(spec, name="outbound"),
        action=Action.UPDATE,
        existing=None,
    )
    return hooks_call(
        "upsert",
        connection,
        entity="relations",
        action=Action.UPDATE,
        payload=payload,
        target_id=target,
    )


def test_relations_take_their_number_and_message_back(
    connection: Connection, sandbox: EasyPartySandbox
) -> None:
    write(connection, "1021:debtor", {"id": "1021:debtor", "kind": "debtor", "number": "10040"})
    row = sandbox.store["relations"].get("1021")
    assert row is not None and row["debtor_number"] == "10040"
    write(
        connection,
        "1021:debtor",
        {
            "id": "1021:debtor",
            "kind": "debtor",
            "number": "10040",
            "custom": {"sync_message": "synced to exact-online"},
        },
    )
    assert sandbox.store["relations"].get("1021")["sync_message"] == "synced to exact-online"
    found = hooks_call(
        "find_existing", connection, entity="relations", match_key="id", values=["1021:debtor"]
    )
    assert found["1021:debtor"].data["number"] == "10040"


def test_relations_a_number_once_given_cannot_change(connection: Connection) -> None:
    with pytest.raises(RejectedError, match="has debtor number 10000 already"):
        write(connection, "1001:debtor", {"id": "1001:debtor", "kind": "debtor", "number": "1"})
    with pytest.raises(RejectedError, match="belongs to relation 1001"):
        write(connection, "1021:debtor", {"id": "1021:debtor", "kind": "debtor", "number": "10000"})


def test_relations_are_never_created_by_koppel(connection: Connection) -> None:
    with pytest.raises(RejectedError, match="made in EasyParty"):
        hooks_call(
            "upsert",
            connection,
            entity="relations",
            action=Action.CREATE,
            payload={"debtor_number": "1"},
            target_id=None,
        )
