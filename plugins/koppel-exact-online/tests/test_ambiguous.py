"""Several Exact records share a match-key value (one e-mail address on several accounts, as
real data has): find answers Ambiguous with every one, lowest code first, never one picked."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.errors import ValidationError
from koppel.sync import Action, Ambiguous, Connection, TargetRecord
from koppel_exact_online.odata import pad_code
from koppel_exact_online.plugin import connector
from koppel_exact_online.sandbox import ExactSandbox

SHARED = "administratie@groep.example.nl"


def codes(match: Any) -> list[str]:
    assert isinstance(match, Ambiguous)
    return [str(c.data["Code"]).strip() for c in match.candidates]


def test_seeded_accounts_share_an_email_address_spelled_differently(sandbox: ExactSandbox) -> None:
    spelled = [a["Email"] for a in sandbox.store["Accounts"] if "groep" in str(a["Email"]).lower()]
    assert len(spelled) == 2 and len(set(spelled)) == 2
    assert {e.strip().lower() for e in spelled} == {SHARED}


@pytest.mark.parametrize("entity", ["customers", "relations"])
def test_find_by_shared_email_is_ambiguous_with_every_account_lowest_code_first(
    sandbox: ExactSandbox, connection: Connection, entity: str
) -> None:
    found = connector.find_existing(
        connection, entity, "email", [SHARED, "klant3@example.nl", "nobody@example.nl"]
    )
    # The feed answers code 14 before 13; the lowest code is ranked first all the same.
    assert codes(found[SHARED]) == ["13", "14"]
    assert isinstance(found["klant3@example.nl"], TargetRecord)
    assert "nobody@example.nl" not in found


def test_find_by_shared_barcode_is_ambiguous_lowest_item_code_first(
    sandbox: ExactSandbox, connection: Connection
) -> None:
    for code in ("ART-9002", "ART-9001"):
        sandbox.put("Items", "", {"ID": sandbox.new_id(), "Code": code, "Barcode": "8710000000999"})
    found = connector.find_existing(connection, "products", "ean", ["8710000000999"])
    assert [c.data["Code"] for c in found["8710000000999"].candidates] == ["ART-9001", "ART-9002"]


def test_an_account_created_in_the_run_joins_the_candidates_of_its_address(
    sandbox: ExactSandbox, connection: Connection
) -> None:
    assert codes(connector.find_existing(connection, "customers", "email", [SHARED])[SHARED])
    body = {"Name": "Groep West BV", "Email": SHARED, "Status": "C", "Code": pad_code(12000)}
    connector.upsert(connection, "relations", Action.CREATE, body, None)
    found = connector.find_existing(connection, "customers", "email", [SHARED])
    assert codes(found[SHARED]) == ["13", "14", "12000"]


def test_an_order_for_a_shared_address_is_a_record_error_naming_every_account(
    sandbox: ExactSandbox, connection: Connection
) -> None:
    item = sandbox.store["Items"].all()[0]
    order = {
        "YourRef": "WEB-1",
        "OrderedBy": SHARED,
        "SalesOrderLines": [{"Item": item["Code"], "Quantity": 1, "NetPrice": 10}],
    }
    with pytest.raises(ValidationError, match=r"2 Accounts share Email .*codes 13, 14"):
        connector.upsert(connection, "orders", Action.CREATE, order, None)
    assert sandbox.writes == 0
