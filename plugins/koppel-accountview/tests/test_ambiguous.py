"""A match-key value several AccountView records share: every one of them, best first,
never one picked silently (debtors by e-mail address, articles by EAN)."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.errors import ValidationError
from koppel.sync import Ambiguous, Connection, TargetRecord
from koppel_accountview.client import key_rank
from koppel_accountview.debtors import DebtorIndex
from koppel_accountview.plugin import connector
from koppel_accountview.resources import Customers, Products

from .test_writing import order, write

SHARED = "administratie@hetanker.nl"


def test_customers_find_answers_every_debtor_of_a_shared_email_lowest_number_first(
    connection: Connection,
) -> None:
    session = connector.session(connection)
    found = Customers(session).find(
        "email", [" Administratie@HetAnker.nl", "inkoop@korenschoof.nl"]
    )
    shared = found[" Administratie@HetAnker.nl"]
    assert isinstance(shared, Ambiguous)
    assert [c.id for c in shared.candidates] == ["10002", "10003"]  # seeded 10003 first
    assert shared.candidates[0].data["CITY"] == "Deventer"
    single = found["inkoop@korenschoof.nl"]
    assert isinstance(single, TargetRecord) and single.id == "10001"


def test_customers_find_leaves_out_an_unknown_email(connection: Connection) -> None:
    assert Customers(connector.session(connection)).find("email", ["nobody@example.nl"]) == {}


def test_order_of_a_shared_email_is_a_record_error_naming_every_debtor(
    connection: Connection, sandbox: Any
) -> None:
    customer = {"company_name": "Lunchroom Het Anker", "email": SHARED.upper()}
    with pytest.raises(ValidationError, match=r"2 AccountView debtors .* \(10002, 10003\)") as err:
        write(connection, order(customer=customer))
    assert err.value.context["candidates"] == ["10002", "10003"]
    assert err.value.context["field"] == "customer.email"
    assert not sandbox.store["SO_HDR"].all()


def test_key_rank_orders_numbers_by_value_then_text() -> None:
    numbers = ["10", "9", "A1", "010", " 2"]
    assert sorted(numbers, key=key_rank) == [" 2", "9", "010", "10", "A1"]


def test_debtor_index_moves_a_debtor_whose_email_changed() -> None:
    index = DebtorIndex(
        [{"SUB_NR": "1", "MAIL_BUS": "a@x.nl"}, {"SUB_NR": "2", "MAIL_BUS": "a@x.nl"}]
    )
    index.add({"SUB_NR": "1", "MAIL_BUS": "b@x.nl"})
    assert [row["SUB_NR"] for row in index.by_email("a@x.nl")] == ["2"]
    assert [row["SUB_NR"] for row in index.by_email("b@x.nl")] == ["1"]


@pytest.fixture
def shared_ean(sandbox: Any) -> str:
    """Two more articles with the EAN of AV-1001 (a re-labelled product, a pack)."""
    ean = sandbox.store["ARTICLE"].get("AV-1001")["EAN_CODE"]
    for code in ("AV-1001-B", "AV-1001-A"):
        sandbox.store["ARTICLE"].insert({"ART_CODE": code, "ART_DESC1": code, "EAN_CODE": ean})
    return str(ean)


def test_products_find_by_shared_ean_answers_every_article_lowest_code_first(
    connection: Connection, shared_ean: str
) -> None:
    found = Products(connector.session(connection)).find("ean", [shared_ean])
    match = found[shared_ean]
    assert isinstance(match, Ambiguous)
    assert [c.id for c in match.candidates] == ["AV-1001", "AV-1001-A", "AV-1001-B"]


def test_products_find_by_sku_is_one_article(connection: Connection, shared_ean: str) -> None:
    found = Products(connector.session(connection)).find("sku", ["AV-1001-A", "AV-9999"])
    assert found == {"AV-1001-A": TargetRecord(id="AV-1001-A", data={"ART_CODE": "AV-1001-A"})}


def test_order_line_by_shared_ean_alone_is_a_record_error_naming_every_article(
    connection: Connection, sandbox: Any, shared_ean: str
) -> None:
    line = {"ean": shared_ean, "quantity": "1", "unit_price": "24.95", "vat_rate": "21"}
    with pytest.raises(ValidationError, match=r"3 AccountView articles share the EAN") as err:
        write(connection, order(lines=[line]))
    assert err.value.context["candidates"] == ["AV-1001", "AV-1001-A", "AV-1001-B"]
    assert not sandbox.store["SO_HDR"].all()


def test_orders_find_answers_every_sales_order_of_a_shared_reference(
    connection: Connection, sandbox: Any
) -> None:
    """An order number booked twice (by hand, or by another tool) is never bound to one."""
    for number in ("20240012", "20240003"):
        sandbox.store["SO_HDR"].insert({"ORD_NR": number, "ORD_REF": "WEB-9", "RPL_INV": "10001"})
    found = connector.find_existing(
        connection=connection, entity="orders", match_key="number", values=["WEB-9", "WEB-1"]
    )
    assert set(found) == {"WEB-9"}
    match = found["WEB-9"]
    assert isinstance(match, Ambiguous)
    assert [c.id for c in match.candidates] == ["20240003", "20240012"]


def test_journal_entries_find_answers_every_page_of_a_shared_invoice_number(
    connection: Connection, sandbox: Any
) -> None:
    for page in ("12", "3"):
        sandbox.store["DJ_PAGE"].insert(
            {"PAGE_NR": page, "DJ_CODE": "VK", "INV_NR": "F-7", "HDR_DESC": "F-7"}
        )
    found = connector.find_existing(
        connection=connection, entity="journal_entries", match_key="number", values=["F-7"]
    )
    match = found["F-7"]
    assert isinstance(match, Ambiguous)
    assert [c.id for c in match.candidates] == ["3", "12"]
