"""Creates are a POST, updates a PUT of the same envelope with the row's key as ``id``,
as the one public client that updates does (REFERENCE.md mismatch 7): only debtors."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.errors import RejectedError
from koppel.sync import Action, Connection
from koppel_accountview.plugin import connector
from koppel_accountview.schema import DEBTORS, JOURNAL_PAGES

from .test_writing import order, write

DATA = "/api/v3/accountviewdata"
KNOWN = {"company_name": "Bakkerij De Korenschoof", "email": "inkoop@korenschoof.nl"}


def test_order_of_a_known_debtor_with_a_new_address_updates_it_with_put(
    connection: Connection, sandbox: Any
) -> None:
    write(connection, order(customer=KNOWN))
    assert sandbox.count("PUT", DATA) == 1
    assert sandbox.count("POST", DATA) == 1  # the sales order
    debtor = sandbox.store["CONTACT"].get("10001")
    assert debtor["ADDRESS1"] == "Dorpsstraat 1"
    assert debtor["MAIN_CONT"] == "Els Visser"  # not sent: never blanked


def test_customer_update_is_a_put_naming_the_debtor(connection: Connection, sandbox: Any) -> None:
    result = connector.upsert(
        connection=connection,
        entity="customers",
        action=Action.UPDATE,
        payload={"CITY": "Leusden", "MAIL_BUS": "inkoop@korenschoof.nl"},
        target_id="10001",
    )
    assert result.target_id == "10001"
    assert (sandbox.count("PUT", DATA), sandbox.count("POST", DATA)) == (1, 0)
    assert sandbox.store["CONTACT"].get("10001")["CITY"] == "Leusden"


def test_sandbox_refuses_a_post_of_a_debtor_number_that_exists(
    connection: Connection, sandbox: Any
) -> None:
    client = connector.session(connection).client
    row = {"SUB_NR": "10001", "ACCT_NAME": "Dubbel", "SRC_CODE": "DUBBEL"}
    with pytest.raises(
        RejectedError, match="Relatie 10001 bestaat al als debiteur; wijzig hem met PUT"
    ):
        client.write(DEBTORS, row, record="r")
    assert sandbox.store["CONTACT"].get("10001")["ACCT_NAME"] == "Bakkerij De Korenschoof"


def test_sandbox_refuses_a_put_of_a_debtor_that_does_not_exist(connection: Connection) -> None:
    client = connector.session(connection).client
    with pytest.raises(RejectedError, match="CONTACT 99999 bestaat niet"):
        client.write(DEBTORS, {"SUB_NR": "99999", "CITY": "Ede"}, update="99999", record="r")


def test_sandbox_refuses_a_put_whose_key_differs_from_its_id(connection: Connection) -> None:
    client = connector.session(connection).client
    with pytest.raises(RejectedError, match="SUB_NR 10002 is niet de sleutel 10001"):
        client.write(DEBTORS, {"SUB_NR": "10002", "CITY": "Ede"}, update="10001", record="r")


def test_client_refuses_an_update_of_a_journal_page_before_sending(
    connection: Connection, sandbox: Any
) -> None:
    client = connector.session(connection).client
    with pytest.raises(RejectedError, match="AccountView takes no update of DJ2"):
        client.write(JOURNAL_PAGES, {"DJ_CODE": "MEM", "HDR_DESC": "x"}, update="1", record="r")
    assert sandbox.count("PUT", DATA) == 0


def test_no_entity_can_be_deleted_as_no_source_shows_a_delete(connection: Connection) -> None:
    """No public source deletes an AccountView business object (REFERENCE.md), so
    ``deletions = "propagate"`` has nothing to call; nothing is deleted."""
    entities = connector.koppel_system().entities
    assert [e.name for e in entities if e.delete] == []
    assert connector.delete_record(connection=connection, entity="customers", target_id="1") is None
