"""``vat_code(country, rate[, default])``: the flow's ``vat_codes`` table read as journal
entries read it, with the ``"*:RATE"`` row for any country."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.errors import MappingRecordError
from koppel.mapping import compile_mapping

TABLE = {"NL:21": "2", "nl:9.0": "1", "*:21": "3"}


def code(data: dict[str, Any], table: dict[str, str] | None = TABLE) -> Any:
    lookups = {} if table is None else {"vat_codes": table}
    mapping = compile_mapping(
        {"fields": {"code": "vat_code(country, rate, source)"}}, lookups=lookups, functions={}
    )
    return mapping.apply(data).get("code")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"country": "NL", "rate": "21"}, "2"),
        ({"country": "NL", "rate": 9}, "1"),
        ({"country": "be", "rate": "21.00"}, "3"),
        ({"country": "SE", "rate": "9", "source": "X"}, "X"),
        ({"country": None, "rate": "21", "source": "X"}, "X"),
    ],
)
def test_vat_code_row_then_any_country_then_default(data: dict[str, Any], expected: str) -> None:
    assert code(data) == expected


def test_vat_code_without_a_table_is_the_default() -> None:
    assert code({"country": "SE", "rate": "9", "source": "X"}, None) == "X"
    assert code({"country": "SE", "rate": "9", "source": "X"}, {}) == "X"


def test_vat_code_no_row_and_no_default_is_a_record_error() -> None:
    with pytest.raises(MappingRecordError, match="no row for VAT rate 9% in country SE"):
        code({"country": "SE", "rate": "9"})
