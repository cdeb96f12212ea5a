"""Relations written as contacts: the contact type by kind, deletes, unknown types."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.errors import ConfigurationError
from koppel.sync import Action, Connection
from koppel_exact_bouw.sandbox import ExactBouwSandbox


def create(hooks: Any, connection: Connection, payload: dict[str, Any]) -> str:
    result = hooks.upsert(
        connection=connection,
        entity="relations",
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )
    return str(result.target_id)


@pytest.mark.parametrize(("kind", "type_id"), [("creditor", 2), ("debtor", 7)])
def test_relation_kind_picks_the_contact_type(
    hooks: Any, connection: Connection, sandbox: ExactBouwSandbox, kind: str, type_id: int
) -> None:
    ident = create(
        hooks, connection, {"name": "Nieuw B.V.", "email": "n@example.com", "_kind": kind}
    )
    stored = sandbox.store["contacts"].get(ident)
    assert stored is not None and stored["type"]["id"] == type_id
    assert stored["emailAddress"] == "n@example.com"  # written as email, listed as emailAddress


def test_unknown_contact_type_is_a_configuration_error_naming_the_setting(
    hooks: Any, connection: Connection, sandbox: ExactBouwSandbox
) -> None:
    connection.settings = {**connection.settings, "creditor_contact_type": "leverancier"}
    writes = sandbox.count("POST", "/contact")
    with pytest.raises(ConfigurationError, match="no contact type named 'leverancier'") as info:
        create(hooks, connection, {"name": "X", "_kind": "creditor"})
    assert info.value.context["path"].endswith("settings.creditor_contact_type")
    assert sandbox.count("POST", "/contact") == writes


def test_delete_removes_the_contact_and_a_gone_one_counts_as_deleted(
    hooks: Any, connection: Connection, sandbox: ExactBouwSandbox
) -> None:
    for _ in range(2):
        assert hooks.delete_record(connection=connection, entity="relations", target_id="4101")
    assert sandbox.store["contacts"].get("4101") is None
    assert sandbox.statuses[404] == 1


def test_update_keeps_the_contacts_type(
    hooks: Any, connection: Connection, sandbox: ExactBouwSandbox
) -> None:
    # 4104 is a subcontractor; the relation, a creditor, would be a supplier if created
    result = hooks.upsert(
        connection=connection,
        entity="relations",
        action=Action.UPDATE,
        payload={"name": "Tegelzetbedrijf Jansen B.V.", "_kind": "creditor"},
        target_id="4104",
    )
    assert result.target_id == "4104"
    stored = sandbox.store["contacts"].get("4104")
    assert stored is not None and stored["type"]["name"] == "subcontractor"
    assert stored["name"] == "Tegelzetbedrijf Jansen B.V."
