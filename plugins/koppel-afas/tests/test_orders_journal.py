"""Sales orders to a debtor, and balanced journal entries, written once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from koppel.errors import ValidationError
from koppel.sync import Action, Connection
from koppel_afas.plugin import connector
from koppel_afas.sandbox import AfasSandbox

from .conftest import connect

ORDER = {
    "RfCs": "WEB-5001",
    "OrDa": "2024-06-01",
    "_order_type": "order",
    "_customer_email": "inkoop@koffiehuisdeboon.nl",
    "Lines": [{"ItCd": "AV-1003", "QuUn": Decimal(2), "Upri": Decimal("18.50")}],
}


def create(connection: Connection, entity: str, payload: dict[str, Any]) -> str:
    result = connector.upsert(
        connection=connection, entity=entity, action=Action.CREATE, payload=payload, target_id=None
    )
    return str(result.target_id)


def test_order_goes_to_the_debtor_with_the_customers_email(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    number = create(connection, "orders", ORDER)
    order = sandbox.store["koppel_salesorders"].get(number)
    assert (order["DebtorId"], order["Reference"]) == ("10001", "WEB-5001")
    lines = sandbox.store["FbSalesLines"].find(OrNu=number)
    assert [(line["VaIt"], line["ItCd"], line["BiUn"], line["QuUn"]) for line in lines] == [
        ("2", "AV-1003", "stk", 2.0)
    ]
    found = connector.find_existing(
        connection=connection, entity="orders", match_key="number", values=["WEB-5001"]
    )
    assert found["WEB-5001"].id == number


def test_order_of_an_unknown_customer_is_refused_before_writing(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(connection, "orders", {**ORDER, "_customer_email": "nobody@example.nl"})
    assert "nobody@example.nl matches no debtor" in refused.value.message
    assert sandbox.count("POST", "/ProfitRestServices/connectors/{id}") == 0


def test_order_of_a_customer_with_several_debtors_names_them(connection: Connection) -> None:
    with pytest.raises(ValidationError) as refused:
        create(connection, "orders", {**ORDER, "_customer_email": "administratie@desmaak.nl"})
    assert "debtors 10007, 10008" in refused.value.message


ENTRY = {
    "BpNr": "MEM-2024-0002",
    "_date": "2024-05-31",
    "Lines": [
        {"AcNr": "1300", "Ds": "Omzet mei", "_amount": Decimal("121.00")},
        {"AcNr": "8000", "_amount": Decimal("-100.00")},
        {"AcNr": "1500", "_amount": Decimal("-21.00")},
    ],
}


def test_journal_entry_books_debit_and_credit_lines(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    number = create(connection, "journal_entries", ENTRY)
    row = sandbox.store["koppel_journal_entries"].get(int(number))
    assert (row["Year"], row["Period"], row["Journal"], row["VoucherNumber"]) == (
        2024,
        5,
        "90",
        "MEM-2024-0002",
    )
    found = connector.find_existing(
        connection=connection,
        entity="journal_entries",
        match_key="number",
        values=["MEM-2024-0002"],
    )
    assert found["MEM-2024-0002"].id == number


def test_journal_entry_unbalanced_is_refused_before_writing(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    lines = [*ENTRY["Lines"][:2], {"AcNr": "1500", "_amount": Decimal("-20.99")}]
    with pytest.raises(ValidationError) as refused:
        create(connection, "journal_entries", {**ENTRY, "Lines": lines})
    assert "not balanced: its lines sum to 0.01" in refused.value.message
    assert sandbox.count("POST", "/ProfitRestServices/connectors/{id}") == 0


def test_journal_entry_needs_a_journal(sandbox: AfasSandbox) -> None:
    connection = connect(sandbox, journal=None)
    with pytest.raises(ValidationError) as refused:
        create(connection, "journal_entries", ENTRY)
    assert refused.value.context["field"] == "JoCo"


FOREIGN = {
    "BpNr": "MEM-2024-0003",
    "_date": "2024-05-31",
    "_currency": "USD",
    "_rate": Decimal("0.92"),
    "Lines": [
        {
            "_relation": "inkoop@koffiehuisdeboon.nl",
            "_amount": Decimal("100.00"),
            "_amount_company": Decimal("92.00"),
        },
        {"AcNr": "8000", "_amount": Decimal("-100.00"), "_amount_company": Decimal("-92.00")},
    ],
}


def test_journal_entry_in_another_currency_books_both_amounts(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    create(connection, "journal_entries", FOREIGN)
    lines = sandbox.store["FiEntries"].all()
    assert [(x["VaAs"], x["AcNr"]) for x in lines] == [("2", "10001"), ("1", "8000")]
    assert [(x["AmDe"], x["AmCr"], x["AmDc"], x["AmCc"]) for x in lines] == [
        (92.0, 0, 100.0, 0),
        (0, 92.0, 0, 100.0),
    ]
    assert {(x["CuId"], x["Rate"]) for x in lines} == {("USD", 0.92)}


def test_journal_entry_unbalanced_in_the_company_currency_is_refused(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    lines = [FOREIGN["Lines"][0], {**FOREIGN["Lines"][1], "_amount_company": Decimal("-91.99")}]
    with pytest.raises(ValidationError) as refused:
        create(connection, "journal_entries", {**FOREIGN, "Lines": lines})
    assert "not balanced in the company currency" in refused.value.message
    assert sandbox.count("POST", "/ProfitRestServices/connectors/{id}") == 0
