"""The facts of AccountView.net's API (koppel_accountview.facts) and the sandbox enforcing them."""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest

from koppel.errors import RejectedError
from koppel.sandbox import facts_table
from koppel.sync import Connection
from koppel_accountview import facts
from koppel_accountview.client import Filter, check_response
from koppel_accountview.plugin import connector
from koppel_accountview.schema import DEBTORS, TABLES, Field


def test_facts_every_field_has_a_source() -> None:
    for endpoint in (*facts.API, *facts.WRITES):
        assert endpoint.source.where
    for contract in facts.ROWS.values():
        for _, field in contract.paths():
            assert (field.source or contract.source).where


def test_facts_cover_every_table_the_plugin_writes() -> None:
    written = {t.name for t in TABLES.values()} | {
        t.detail.name for t in TABLES.values() if t.detail is not None
    }
    assert set(facts.ROWS) == written - {"ARTICLE"}  # articles are read, never written


def test_facts_table_lists_the_rows_of_writes() -> None:
    table = facts_table(facts.WRITES)
    assert "| POST /api/v3/accountviewdata DJ2 DJ_PAGE | body | INV_NR | text |" in table
    assert "fields/contact.json" in table


def test_sandbox_refuses_a_row_that_breaks_its_facts_in_accountview_error_body(
    connection: Connection, sandbox: Any, koppel_strict_contracts: Any
) -> None:
    client = connector.session(connection).client
    with pytest.raises(RejectedError, match=r"CONTACT\.SRC_CODE: is required") as caught:
        client.write(DEBTORS, {"SUB_NR": "20001", "ACCT_NAME": "Zonder Zoekcode"}, record="r")
    assert caught.value.context["status"] == 400
    assert sandbox.store["CONTACT"].get("20001") is None
    taken = koppel_strict_contracts.take()
    assert [v.path for v in taken] == ["CONTACT.SRC_CODE"]


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [("CONT_NAME", "Jan Jansen", "C"), ("PERS_IND", True, "L"), ("PAY_COND", "14", "C")],
)
def test_sandbox_refuses_contact_fields_that_are_not_in_the_dictionary(
    connection: Connection,
    sandbox: Any,
    koppel_strict_contracts: Any,
    name: str,
    value: Any,
    field: str,
) -> None:
    """CONT_NAME, PERS_IND and PAY_COND are no fields of CONTACT (REFERENCE.md 3-5)."""
    table = attrs.evolve(DEBTORS, fields={**DEBTORS.fields, name: Field(name, field)})
    row = {"SUB_NR": "20002", "ACCT_NAME": "Acme BV", "SRC_CODE": "ACMEBV", name: value}
    client = connector.session(connection).client
    with pytest.raises(RejectedError, match=rf"CONTACT\.{name}: not a field of CONTACT"):
        client.write(table, row, record="r")
    assert sandbox.store["CONTACT"].get("20002") is None
    assert [v.path for v in koppel_strict_contracts.take()] == [f"CONTACT.{name}"]


def test_sandbox_answers_companies_in_the_observed_shape(connection: Connection) -> None:
    """Companies are Id, Description, Code (REFERENCE.md mismatch 12), not Id, Name."""
    companies = connector.session(connection).client.companies()
    assert [set(company) for company in companies] == [{"Id", "Description", "Code"}]


@pytest.mark.parametrize(
    ("header", "line", "path"),
    [({"SHP_METH": "POST"}, {}, "SO_HDR.SHP_METH"), ({}, {"ART_DESC": "x"}, "SO_LINE[0].ART_DESC")],
)
def test_sandbox_refuses_sales_order_fields_by_their_guessed_names(
    connection: Connection,
    koppel_strict_contracts: Any,
    header: dict[str, str],
    line: dict[str, str],
    path: str,
) -> None:
    """AccountView names them SHIP_MTH and ART_DESC1 (REFERENCE.md mismatch 14)."""
    orders = TABLES["SO1"]
    assert orders.detail is not None
    detail = attrs.evolve(
        orders.detail, fields={**orders.detail.fields, "ART_DESC": Field("ART_DESC", "C")}
    )
    guessed = {**orders.fields, "SHP_METH": Field("SHP_METH", "C")}
    orders = attrs.evolve(orders, fields=guessed, detail=detail)
    client = connector.session(connection).client
    with pytest.raises(RejectedError, match=rf"{re.escape(path)}: not a field of"):
        client.write(
            orders,
            {"RPL_INV": "10001", **header},
            [{"ART_CODE": "AV-1001", "ORD_QTY": 1, **line}],
            record="r",
        )
    assert [v.path for v in koppel_strict_contracts.take()] == [path]


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"$top": "5"}, "$top"),  # an OData parameter AccountView does not take
        ({"Top": "5"}, "Top"),
        ({"FilterControlSource3": "AG_CODE", "FilterValue3": "X"}, "FilterControlSource3"),
        ({"FilterOperator1": "GreaterThan"}, "FilterOperator1"),
        ({"SortOrder": "asc"}, "SortOrder"),
        ({"PageSize": "many"}, "PageSize"),
    ],
)
def test_sandbox_refuses_a_read_query_that_breaks_its_facts(
    connection: Connection, koppel_strict_contracts: Any, extra: dict[str, str], path: str
) -> None:
    """Reads take the parameters S1 and S3 send (facts.READ_QUERY), and no other."""
    query = {
        "BusinessObject": "AK1",
        "PageSize": "5",
        "PageNumber": "1",
        "FilterControlSource1": "AG_CODE",
        "FilterOperator1": "Equal",
        "FilterValueType1": "C",
        "FilterValue1": "WEBSHOP",
        "SortFields": "ART_CODE",
        **extra,
    }
    client = connector.session(connection).client
    with pytest.raises(RejectedError, match=re.escape(path)):
        check_response(client.http.get("accountviewdata", params=query))
    taken = koppel_strict_contracts.take()
    assert [v.path for v in taken][:1] == [path]


def test_facts_read_query_declares_what_the_client_sends() -> None:
    """Every parameter of the client's reads is in the contract (the product, stock and
    lookup reads of the plugin's tests are checked against it too)."""
    params = Filter("CNG_DATE", "{^2024-01-01 00:00:00}", "DateOnOrAfterDate", "T").params(2)
    assert not facts.READ_QUERY.check(
        {"BusinessObject": "AK1", "PageSize": "100", "PageNumber": "2", **params}, query=True
    )
