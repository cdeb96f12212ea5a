"""Answers in AccountView's real shapes through the client's decoding and the shipped
inbound mappings, checked as canonical values.

The shapes are those of S1's recorded answers (REFERENCE.md): every field of the row,
empty text and dates as ``""``, numbers as JSON numbers (integers or floats),
logicals as true/false, date-times without a zone; and FoxPro's fixed-width text,
which may keep its padding blanks.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from koppel.errors import SourceRecordError
from koppel.mapping import CompiledMapping, compile_mapping, packaged_mapping
from koppel.records import Product, StockLevel, structure
from koppel.sync import Connection
from koppel_accountview.client import check_response
from koppel_accountview.debtors import DebtorIndex
from koppel_accountview.functions import FUNCTIONS
from koppel_accountview.plugin import connector
from koppel_accountview.resources import Products
from koppel_accountview.schema import ARTICLES, DEBTORS
from koppel_accountview.wire import read_rows


def inbound(name: str) -> CompiledMapping:
    spec = packaged_mapping("koppel_accountview", f"{name}.inbound.toml")
    assert spec is not None
    return compile_mapping(spec, name=f"accountview/{name}/inbound", functions=FUNCTIONS)


#: An article as AccountView answers it: padded text, a float price, an integer lead
#: time, an empty attribute, a null, a date-time without a zone.
ARTICLE = {
    "ART_CODE": "AV-1001        ",
    "ART_DESC1": "Espressokopjes, set van 6               ",
    "ART_DESC2": "Zes porseleinen espressokopjes.\r\n   ",
    "EAN_CODE": "8712345010016",
    "PX_SELL": 24.95,
    "VAT_CODE": "2 ",
    "AG_CODE": "WEBSH",
    "UNIT": "st   ",
    "BLOCKED": False,
    "QTY_AVAIL": 25.0,
    "QTY_RES_SO": 3,
    "ART_SIZE": "",
    "ART_COLOR": None,
    "CNT_ORIG": "PT",
    "LEAD_TIME": 5,
    "CNG_DATE": "2024-05-01T09:00:00",
}
#: A cost article: no EAN, no stock, blocked, no change date yet.
COST = {
    **ARTICLE,
    "ART_CODE": "VERZEND",
    "EAN_CODE": "",
    "PX_SELL": 0,
    "QTY_AVAIL": 0,
    "QTY_RES_SO": "",
    "BLOCKED": True,
    "CNT_ORIG": "",
    "LEAD_TIME": 0,
    "CNG_DATE": "",
}


def product(row: dict[str, Any]) -> Product:
    (decoded,) = read_rows({"ARTICLE": [row]}, ARTICLES)
    return structure(inbound("products").apply(decoded, record_id="r"), Product)


def test_real_article_becomes_a_product_with_trimmed_codes_and_a_decimal_price() -> None:
    found = product(ARTICLE)
    assert (found.id, found.sku, found.ean) == ("AV-1001", "AV-1001", "8712345010016")
    assert found.name == "Espressokopjes, set van 6"
    assert found.long_description == "Zes porseleinen espressokopjes."
    assert found.price_excl_vat == Decimal("24.95")
    assert isinstance(found.price_excl_vat, Decimal)
    assert (found.vat_code, found.unit, found.currency) == ("2", "st", "EUR")
    assert found.active is True
    assert found.attributes == {
        "country_of_origin": "PT",
        "lead_time": "5",
        "article_group": "WEBSH",
    }


def test_real_cost_article_has_no_ean_and_is_inactive() -> None:
    found = product(COST)
    assert (found.sku, found.ean, found.active) == ("VERZEND", None, False)
    assert found.price_excl_vat == Decimal(0)
    assert "country_of_origin" not in found.attributes
    assert found.attributes["lead_time"] == "0"


def test_real_stock_numbers_become_decimals_and_an_empty_one_zero() -> None:
    decoded = read_rows({"ARTICLE": [ARTICLE, COST]}, ARTICLES)
    levels = [structure(inbound("stock").apply(row, record_id="r"), StockLevel) for row in decoded]
    assert [(s.sku, s.on_hand, s.reserved) for s in levels] == [
        ("AV-1001", Decimal("25"), Decimal("3")),
        ("VERZEND", Decimal("0"), Decimal("0")),
    ]
    assert all(isinstance(s.on_hand, Decimal) for s in levels)


def test_real_debtor_is_found_by_its_trimmed_case_blind_email() -> None:
    row = {
        "SUB_NR": "10001     ",
        "ACCT_NAME": "Bakkerij De Korenschoof                 ",
        "MAIL_BUS": "Inkoop@Korenschoof.NL   ",
        "CNT_CODE": "NL",
        "MAIN_CONT": "",
        "CNG_DATE": "",
    }
    index = DebtorIndex(read_rows({"CONTACT": [row]}, DEBTORS))
    (found,) = index.by_email("inkoop@korenschoof.nl")
    assert (found["SUB_NR"], found["CNT_CODE"], found["MAIN_CONT"]) == ("10001", "NL", None)


@pytest.mark.parametrize("value", ["n/a", True, [1]])
def test_a_number_field_holding_no_number_names_table_field_and_article(value: Any) -> None:
    with pytest.raises(SourceRecordError, match=r"ARTICLE\.PX_SELL of AV-1001") as caught:
        read_rows({"ARTICLE": [{**ARTICLE, "PX_SELL": value}]}, ARTICLES)
    assert caught.value.context["field"] == "ARTICLE.PX_SELL"


def test_sandbox_answers_articles_in_the_real_shape(connection: Connection) -> None:
    client = connector.session(connection).client
    query = {
        "BusinessObject": "AK1",
        "PageSize": "5",
        "FilterControlSource1": "ART_CODE",
        "FilterOperator1": "Equal",
        "FilterValueType1": "C",
        "FilterValue1": "VERZEND",
    }
    (row,) = check_response(client.http.get("accountviewdata", params=query))["ARTICLE"]
    assert set(row) == set(ARTICLES.fields)  # every field of the row, asked for or not
    assert (row["EAN_CODE"], row["ART_SIZE"]) == ("", "")
    assert row["BLOCKED"] is False and row["QTY_RES_SO"] == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", row["CNG_DATE"])


def test_sandbox_articles_read_as_products_through_the_mapping(connection: Connection) -> None:
    records = list(Products(connector.session(connection)).fetch(None, {}))
    by_code = {r.id: r for r in records}
    cost = structure(
        inbound("products").apply(by_code["VERZEND"].data, record_id="VERZEND"), Product
    )
    assert (cost.ean, cost.attributes.get("size")) == (None, None)
    cup = structure(
        inbound("products").apply(by_code["AV-1001"].data, record_id="AV-1001"), Product
    )
    assert cup.price_excl_vat == Decimal("24.95") and cup.attributes["size"] == "6 x 80 ml"
