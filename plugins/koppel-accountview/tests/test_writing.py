"""Writing orders, debtors and journal pages through the sandbox, checked field by field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from koppel.errors import (
    ConfigurationError,
    MappingRecordError,
    RejectedError,
    ValidationError,
)
from koppel.mapping import compile_mapping
from koppel.sync import Action, Connection, Direction
from koppel_accountview.functions import FUNCTIONS
from koppel_accountview.plugin import connector

LOOKUPS = {
    "vat_codes": {"NL:21": "2", "NL:9": "1", "BE:21": "5"},
    "payment_terms": {"14": "14D", "30": "30", "contant": "CON"},
    "payment_methods": {"ideal": "IDL"},
    "shipping_methods": {"postnl": "PNL"},
}


def order(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "number": "1001",
        "order_type": "order",
        "order_date": "2024-06-01",
        "customer": {
            "company_name": "Acme BV",
            "contact": {"first_name": "Jan", "last_name": "Jansen"},
            "email": " Jan@Acme.NL ",
        },
        "billing_address": {
            "street": "Dorpsstraat",
            "house_number": "1",
            "postcode": "1234ab",
            "city": "Utrecht",
            "country": "NL",
        },
        "lines": [
            {"sku": "AV-1001", "quantity": "2", "unit_price": "24.95", "vat_rate": "21"},
            {"sku": "AV-1004", "quantity": "1", "unit_price": "7.25", "vat_rate": "0.09"},
        ],
        "costs": [{"kind": "shipping", "amount": "4.95", "vat_rate": "21"}],
        "payment_terms": "14",
        "payment_method": "ideal",
        "shipping_method": "postnl",
        "prices_include_vat": True,
    }
    base.update(changes)
    return base


def write(connection: Connection, data: dict[str, Any], entity: str = "orders") -> Any:
    spec = connector.default_mapping(connection=connection, entity=entity, direction="outbound")
    mapping = compile_mapping(spec, name=entity, lookups=LOOKUPS, functions=FUNCTIONS)
    payload = connector.map_record(
        connection=connection,
        entity=entity,
        direction=Direction.OUTBOUND,
        data=data,
        mapping=mapping,
        action=Action.CREATE,
        existing=None,
    ) or mapping.apply(data, action=Action.CREATE)
    return connector.upsert(
        connection=connection, entity=entity, action=Action.CREATE, payload=payload, target_id=None
    )


def test_order_creates_company_debtor_and_sales_order(connection: Connection, sandbox: Any) -> None:
    result = write(connection, order())
    debtor = sandbox.store["CONTACT"].find(MAIL_BUS="jan@acme.nl")
    assert len(debtor) == 1
    assert {k: debtor[0][k] for k in ("SUB_NR", "ACCT_NR", "ACCT_NAME", "MAIN_CONT")} == {
        "SUB_NR": "10004",
        "ACCT_NR": "1210",
        "ACCT_NAME": "Acme BV",
        "MAIN_CONT": "Jan Jansen",
    }
    assert "PERS_IND" not in debtor[0] and "CONT_NAME" not in debtor[0]
    assert (debtor[0]["ADDRESS1"], debtor[0]["POST_CODE"]) == ("Dorpsstraat 1", "1234 AB")
    header = sandbox.store["SO_HDR"].get(result.target_id)
    assert header["ORD_REF"] == "1001"
    assert header["RPL_INV"] == header["RPL_DEL"] == "10004"
    assert (header["PAY_COND"], header["PAY_METH"], header["SHIP_MTH"]) == ("14D", "IDL", "PNL")
    assert header["ORD_DATE"] == "2024-06-01T00:00:00.000Z"
    assert header["INCL_VAT"] is True
    assert "DEL_CODE" not in header
    lines = sandbox.lines_of("SO_LINE", result.target_id)
    assert [(x["ART_CODE"], x["ORD_QTY"], x["ART_PX"], x["VAT_CODE"]) for x in lines] == [
        ("AV-1001", 2, 24.95, "2"),
        ("AV-1004", 1, 7.25, "1"),
        ("VERZEND", 1, 4.95, "2"),
    ]


@pytest.mark.parametrize(
    ("amounts", "booked"),
    [(["-5.00"], 5), (["-2.50", Decimal("-1.25")], 3.75)],
)
def test_order_discount_is_the_headers_positive_pd_amt(
    connection: Connection, sandbox: Any, amounts: list[Any], booked: float
) -> None:
    discounts = [{"kind": "discount", "amount": a, "description": "Korting"} for a in amounts]
    costs = [{"kind": "shipping", "amount": "4.95", "vat_rate": "21"}, *discounts]
    result = write(connection, order(costs=costs))
    header = sandbox.store["SO_HDR"].get(result.target_id)
    assert header["PD_AMT"] == booked
    lines = sandbox.lines_of("SO_LINE", result.target_id)
    assert [x["ART_CODE"] for x in lines] == ["AV-1001", "AV-1004", "VERZEND"]


def test_order_discount_that_is_no_number_is_a_record_error(
    connection: Connection, sandbox: Any
) -> None:
    costs = [{"kind": "discount", "amount": "five"}]
    with pytest.raises(MappingRecordError, match="PD_AMT: discount amount") as caught:
        write(connection, order(costs=costs))
    assert caught.value.context == {"field": "PD_AMT", "record": "1001"}
    assert sandbox.store["SO_HDR"].find(ORD_REF="1001") == []


def test_order_without_discount_sends_no_pd_amt(connection: Connection, sandbox: Any) -> None:
    result = write(connection, order())
    assert "PD_AMT" not in sandbox.store["SO_HDR"].get(result.target_id)


def test_order_person_debtor_and_reuse_by_email(connection: Connection, sandbox: Any) -> None:
    person = {"name": "Piet de Vries", "email": "piet@example.nl"}
    write(connection, order(number="1", customer=person))
    write(connection, order(number="2", customer={**person, "email": "PIET@example.nl"}))
    found = sandbox.store["CONTACT"].find(MAIL_BUS="piet@example.nl")
    assert len(found) == 1
    assert found[0]["ACCT_NAME"] == "Piet de Vries"
    assert "MAIN_CONT" not in found[0]  # no contact person: how a person debtor shows
    assert "PERS_IND" not in found[0]
    assert {h["RPL_INV"] for h in sandbox.store["SO_HDR"].all()} == {found[0]["SUB_NR"]}


def test_order_updates_known_debtor_only_when_changed(connection: Connection, sandbox: Any) -> None:
    known = {"company_name": "Bakkerij De Korenschoof", "email": "inkoop@korenschoof.nl"}
    billing = {
        "street": "Molenweg",
        "house_number": "4",
        "postcode": "3811AB",
        "city": "Amersfoort",
        "country": "NL",
    }
    write(connection, order(customer=known, billing_address=billing))
    assert sandbox.count("POST", "/api/v3/accountviewdata") == 1, (
        "an unchanged debtor is not written"
    )
    moved = {**billing, "street": "Stationsplein", "house_number": "9"}
    write(connection, order(number="1002", customer=known, billing_address=moved))
    assert sandbox.store["CONTACT"].get("10001")["ADDRESS1"] == "Stationsplein 9"
    assert sandbox.store["CONTACT"].get("10001")["MAIN_CONT"] == "Els Visser"


def test_order_default_debtor_creates_no_customer(connection: Connection, sandbox: Any) -> None:
    connection.settings = {**connection.settings, "default_debtor": "10001"}
    result = write(connection, order())
    assert len(sandbox.store["CONTACT"]) == 5  # the three demo debtors and two creditors
    assert sandbox.store["SO_HDR"].get(result.target_id)["RPL_INV"] == "10001"


def test_order_with_missing_product_is_validation_error(
    connection: Connection, sandbox: Any
) -> None:
    lines = [{"sku": "AV-9999", "quantity": "1", "unit_price": "5"}]
    with pytest.raises(ValidationError, match="1 product not found in the target: AV-9999"):
        write(connection, order(lines=lines))
    assert len(sandbox.store["SO_HDR"]) == 0


def test_order_delivery_address_created_once(connection: Connection, sandbox: Any) -> None:
    ship = {
        "street": "Havenweg",
        "house_number": "5",
        "postcode": "1234 AB",
        "city": "Utrecht",
        "country": "NL",
    }
    first = write(connection, order(shipping_address=ship))
    second = write(connection, order(number="1002", shipping_address=ship))
    assert len(sandbox.store["DEL_ADDR"]) == 1
    codes = {sandbox.store["SO_HDR"].get(r.target_id)["DEL_CODE"] for r in (first, second)}
    assert codes == {sandbox.store["DEL_ADDR"].all()[0]["REC_ID"]}


@pytest.mark.parametrize(
    ("order_type", "journal"), [("sales_invoice", "VK"), ("financial_mutation", "MEM")]
)
def test_order_as_journal_page_balances(
    connection: Connection, sandbox: Any, order_type: str, journal: str
) -> None:
    result = write(connection, order(order_type=order_type, lines=[order()["lines"][0]]))
    page = sandbox.store["DJ_PAGE"].get(result.target_id)
    assert (page["DJ_CODE"], page["INV_NR"], page["SUB_NR"]) == (journal, "1001", "10004")
    lines = sandbox.lines_of("DJ_LINE", result.target_id)
    amounts = [(x["ACCT_NR"], Decimal(str(x["AMOUNT"]))) for x in lines]
    assert amounts == [
        ("1210", Decimal("54.85")),  # 2 x 24.95 + 4.95 shipping, incl. 21 % VAT
        ("8000", Decimal("-45.33")),  # 41.24 + 4.09
        ("1500", Decimal("-9.52")),
    ]
    assert lines[0]["SUB_NR"] == "10004"
    assert not sandbox.store["SO_HDR"].all()


def test_orders_are_never_updated(connection: Connection) -> None:
    with pytest.raises(RejectedError, match="never updated"):
        connector.upsert(
            connection=connection, entity="orders", action=Action.UPDATE, payload={}, target_id="1"
        )


def test_unknown_order_type_refused_before_any_write(connection: Connection, sandbox: Any) -> None:
    with pytest.raises(ConfigurationError, match="'quote'"):
        write(connection, order(order_type="quote"))
    assert sandbox.count("POST", "/api/v3/accountviewdata") == 0


def test_journal_entry_entity(connection: Connection, sandbox: Any) -> None:
    entry = {
        "number": "MEM-7",
        "journal": "MEM",
        "entry_date": "2024-06-30",
        "lines": [
            {"account": "4000", "amount": "100.00", "description": "rent"},
            {"account": "1100", "amount": "-100.00", "description": "bank"},
        ],
    }
    result = write(connection, entry, entity="journal_entries")
    assert sandbox.store["DJ_PAGE"].get(result.target_id)["INV_NR"] == "MEM-7"
    found = connector.find_existing(
        connection=connection, entity="journal_entries", match_key="number", values=["MEM-7"]
    )
    assert found["MEM-7"].id == result.target_id


def test_unbalanced_journal_entry_refused(connection: Connection) -> None:
    entry = {"number": "X", "lines": [{"account": "4000", "amount": "1"}]}
    with pytest.raises(ValidationError, match="does not balance"):
        write(connection, entry, entity="journal_entries")


def test_order_line_found_by_ean(connection: Connection, sandbox: Any) -> None:
    lines = [{"ean": "8712345010023", "quantity": "1", "unit_price": "29.95"}]
    result = write(connection, order(lines=lines, costs=[]))
    assert [x["ART_CODE"] for x in sandbox.lines_of("SO_LINE", result.target_id)] == ["AV-1002"]


def test_find_existing_products_by_sku_and_ean(connection: Connection) -> None:
    # The engine asks this before an order is written: do its lines' articles exist?
    by_sku = connector.find_existing(
        connection=connection, entity="products", match_key="sku", values=["AV-1001", "AV-9999"]
    )
    assert by_sku is not None and set(by_sku) == {"AV-1001"}
    assert by_sku["AV-1001"].id == "AV-1001"
    by_ean = connector.find_existing(
        connection=connection,
        entity="products",
        match_key="ean",
        values=["8712345010023", "0000000000000"],
    )
    assert by_ean is not None and {k: v.id for k, v in by_ean.items()} == {
        "8712345010023": "AV-1002"
    }


def test_debtor_numbers_are_never_handed_out_twice_across_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from koppel_accountview.debtors import DebtorIndex

    index = DebtorIndex([{"SUB_NR": "10001"}, {"SUB_NR": "10003"}])
    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda _: index.next_number(10000), range(200)))
    assert len(set(numbers)) == 200
    assert min(numbers, key=int) == "10004"


def test_debtor_index_is_read_once_by_parallel_writers(monkeypatch) -> None:
    import time
    from concurrent.futures import ThreadPoolExecutor

    from koppel.sync import Connection
    from koppel_accountview.resources import Customers

    calls = []

    class Client:
        def rows(self, table, **options):
            calls.append(table)
            time.sleep(0.02)  # a slow read: without the lock every thread would read
            return iter([{"SUB_NR": "10001", "MAIL_BUS": "a@b.nl"}])

    monkeypatch.setattr(connector, "build_client", lambda session: Client())
    connection = Connection(
        name="books", system="accountview", settings={"company": "A", "client_id": "app"}
    )
    session = connector.session(connection)
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: Customers(session).find("email", ["A@b.nl"]), range(16)))
    assert len(calls) == 1 and all(f["A@b.nl"].id == "10001" for f in found)


def test_new_debtor_is_sent_with_its_search_code(connection: Connection, sandbox: Any) -> None:
    """CONTACT.SRC_CODE is mandatory (REFERENCE.md mismatch 6)."""
    write(connection, order())
    debtor = sandbox.store["CONTACT"].find(MAIL_BUS="jan@acme.nl")[0]
    assert debtor["SRC_CODE"] == "ACMEBV"


def test_journal_page_number_longer_than_inv_nr_is_a_record_error(
    connection: Connection, sandbox: Any
) -> None:
    """DJ_PAGE.INV_NR holds 12 characters and is the match key: never cut, never sent."""
    entry = {
        "number": "MARKETPLACE-123456789",
        "journal": "MEM",
        "entry_date": "2024-06-30",
        "lines": [
            {"account": "4000", "amount": "1.00", "description": "a"},
            {"account": "1100", "amount": "-1.00", "description": "b"},
        ],
    }
    with pytest.raises(MappingRecordError, match=r"DJ_PAGE\.INV_NR holds 12 characters") as caught:
        write(connection, entry, entity="journal_entries")
    assert caught.value.context["field"] == "INV_NR"
    assert sandbox.count("POST", "/api/v3/accountviewdata") == 0


def test_debtor_name_longer_than_acct_name_is_a_record_error(
    connection: Connection, sandbox: Any
) -> None:
    customer = {"company_name": "A" * 41, "email": "long@example.nl"}
    with pytest.raises(MappingRecordError, match=r"CONTACT\.ACCT_NAME holds 40 characters"):
        write(connection, order(customer=customer))
    assert sandbox.store["CONTACT"].find(MAIL_BUS="long@example.nl") == []


def test_customer_payment_terms_are_sent_as_disc_code(connection: Connection, sandbox: Any) -> None:
    """The payment condition is CONTACT.DISC_CODE, 2 characters (REFERENCE.md mismatch 5)."""
    customer = {"company_name": "Acme BV", "email": "terms@acme.nl", "payment_terms": "30"}
    write(connection, customer, entity="customers")
    (debtor,) = sandbox.store["CONTACT"].find(MAIL_BUS="terms@acme.nl")
    assert debtor["DISC_CODE"] == "30"
    assert "PAY_COND" not in debtor


def test_customer_payment_terms_longer_than_disc_code_is_a_record_error(
    connection: Connection, sandbox: Any
) -> None:
    """A lookup value such as the example flow's "CON" (Contant) does not fit DISC_CODE."""
    customer = {"company_name": "Acme BV", "email": "cash@acme.nl", "payment_terms": "contant"}
    with pytest.raises(
        MappingRecordError, match=r"CONTACT\.DISC_CODE holds 2 characters"
    ) as caught:
        write(connection, customer, entity="customers")
    assert caught.value.context["field"] == "DISC_CODE"
    assert sandbox.store["CONTACT"].find(MAIL_BUS="cash@acme.nl") == []


def test_journal_entry_without_description_is_described_by_its_number(
    connection: Connection, sandbox: Any
) -> None:
    """DJ_PAGE.HDR_DESC is mandatory (REFERENCE.md mismatch 9)."""
    entry = {
        "number": "MEM-8",
        "journal": "MEM",
        "entry_date": "2024-06-30",
        "lines": [
            {"account": "4000", "amount": "1.00"},
            {"account": "1100", "amount": "-1.00"},
        ],
    }
    result = write(connection, entry, entity="journal_entries")
    assert sandbox.store["DJ_PAGE"].get(result.target_id)["HDR_DESC"] == "MEM-8"


def test_journal_line_in_a_foreign_currency_books_amount_in_the_administration_currency(
    connection: Connection, sandbox: Any
) -> None:
    """AMOUNT is the administration-currency amount, CUR_AMT the foreign one; BASE_AMT is
    the VAT base and not a currency amount (REFERENCE.md mismatch 10)."""
    entry = {
        "number": "USD-1",
        "journal": "MEM",
        "currency": "USD",
        "lines": [
            {"account": "4000", "amount": "110.00", "amount_company": "100.00"},
            {"account": "1100", "amount": "-110.00", "amount_company": "-100.00"},
        ],
    }
    result = write(connection, entry, entity="journal_entries")
    lines = sandbox.lines_of("DJ_LINE", result.target_id)
    assert [(Decimal(str(x["AMOUNT"])), Decimal(str(x["CUR_AMT"]))) for x in lines] == [
        (Decimal("100.00"), Decimal("110.00")),
        (Decimal("-100.00"), Decimal("-110.00")),
    ]
    assert all("BASE_AMT" not in x for x in lines)


def test_journal_page_of_an_order_in_the_company_currency_sends_no_currency_amount() -> None:
    from koppel.records import JournalEntry, JournalLine
    from koppel_accountview.journal import journal_page

    entry = JournalEntry(
        number="1",
        lines=(
            JournalLine(account="1210", amount=Decimal("12.10")),
            JournalLine(account="8000", amount=Decimal("-12.10")),
        ),
    )
    lines = journal_page(entry, "VK")["lines"]
    assert [(x["AMOUNT"], x["CUR_AMT"]) for x in lines] == [
        (Decimal("12.10"), None),
        (Decimal("-12.10"), None),
    ]
    assert all("BASE_AMT" not in x for x in lines)


def test_order_line_description_is_sent_as_art_desc1(connection: Connection, sandbox: Any) -> None:
    lines = [{**order()["lines"][0], "description": "Espressokopjes, set van 6"}]
    result = write(connection, order(lines=lines))
    line, _shipping = sandbox.lines_of("SO_LINE", result.target_id)
    assert line["ART_DESC1"] == "Espressokopjes, set van 6"
    assert "ART_DESC" not in line
    header = sandbox.store["SO_HDR"].get(result.target_id)
    assert header["SHIP_MTH"] == "PNL" and "SHP_METH" not in header


def test_order_line_description_longer_than_art_desc1_is_a_record_error(
    connection: Connection, sandbox: Any
) -> None:
    lines = [{**order()["lines"][0], "description": "x" * 41}]
    with pytest.raises(MappingRecordError, match=r"SO_LINE\.ART_DESC1 holds 40 characters"):
        write(connection, order(lines=lines))
    assert not sandbox.store["SO_HDR"].all()
