"""The write envelope and read rows of AccountView.net's wire format."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from koppel.errors import MappingRecordError
from koppel_accountview.functions import each_with, postcode, vat_key
from koppel_accountview.schema import ARTICLES, SALES_ORDERS
from koppel_accountview.wire import build_write, encode_value, read_rows, read_write

WHEN = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def test_wire_build_write_round_trips_through_read_write() -> None:
    body = build_write(
        SALES_ORDERS,
        {"ORD_REF": "1001", "ORD_DATE": "2024-05-01", "INCL_VAT": True},
        [{"ART_CODE": "AV-1001", "ORD_QTY": Decimal("2"), "ART_PX": Decimal("24.95")}],
        book_date=WHEN,
    )
    assert body["BookDate"] == "2024-05-01T10:00:00.000Z"
    assert body["Table"]["Definition"]["Fields"][:2] == [
        {"Name": "RowId", "FieldType": "C"},
        {"Name": "ORD_REF", "FieldType": "C"},
    ]
    code, name, headers, detail, lines = read_write(body)
    assert (code, name, detail) == ("SO1", "SO_HDR", "SO_LINE")
    assert headers == [
        {"RowId": "1", "ORD_REF": "1001", "ORD_DATE": "2024-05-01T00:00:00.000Z", "INCL_VAT": True}
    ]
    assert lines == [
        {"RowId": "1", "HeaderId": "1", "ART_CODE": "AV-1001", "ORD_QTY": 2, "ART_PX": 24.95}
    ]


def test_wire_unknown_field_names_schema() -> None:
    with pytest.raises(MappingRecordError, match="NOPE is not a known field of AccountView table"):
        build_write(ARTICLES, {"NOPE": 1}, book_date=WHEN)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("N", "19.95", 19.95),
        ("N", Decimal("3"), 3),
        ("I", "5", 5),
        ("L", False, False),
        ("C", 12, "12"),
        ("D", "2024-05-01T10:00:00", "2024-05-01"),
    ],
)
def test_wire_encode_value(kind: str, value: object, expected: object) -> None:
    assert encode_value(kind, value, field="F") == expected


@pytest.mark.parametrize(("kind", "value"), [("N", "abc"), ("I", "1.5"), ("L", "yes"), ("T", "x")])
def test_wire_encode_value_refuses_bad_input(kind: str, value: object) -> None:
    with pytest.raises(MappingRecordError, match="AccountView field F"):
        encode_value(kind, value, field="F")


def test_wire_read_rows_accepts_single_object_and_any_case() -> None:
    body = {"article": {"art_code": "AV-1", "px_sell": "1.10"}}
    assert read_rows(body, ARTICLES) == [{"ART_CODE": "AV-1", "PX_SELL": Decimal("1.10")}]
    assert read_rows({}, ARTICLES) == []


def test_functions() -> None:
    assert vat_key("nl", "0.21") == "NL:21"
    assert vat_key("BE", Decimal("21.00")) == "BE:21"
    assert vat_key("NL", 0) == "NL:0"
    assert vat_key(None, 21) is None
    assert postcode("1234ab", "NL") == "1234 AB"
    assert postcode(" 10115 ", "DE") == "10115"
    assert each_with([{"a": 1}], {"c": "NL", "a": 2}) == [{"c": "NL", "a": 1}]
    with pytest.raises(TypeError):
        each_with("x", {})
