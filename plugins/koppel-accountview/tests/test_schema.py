"""Every AccountView field a shipped mapping reads or writes is declared in schema.py."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from koppel.mapping import load_mapping_file
from koppel_accountview import schema

_NATIVE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b(?:BLOCKED|UNIT|CITY)\b")
_TABLE_OF = {
    "products.inbound.toml": [schema.ARTICLES],
    "stock.inbound.toml": [schema.ARTICLES],
    "customers.outbound.toml": [schema.DEBTORS],
    "orders.outbound.toml": [
        schema.DEBTORS,
        schema.DELIVERY_ADDRESSES,
        schema.SALES_ORDERS,
        schema.SALES_ORDERS.detail,
    ],
    "journal_entries.outbound.toml": [schema.JOURNAL_PAGES, schema.JOURNAL_PAGES.detail],
}


def _words(table: object) -> list[str]:
    """Target names and expressions of a [fields] table, nested tables included."""
    found: list[str] = []
    if isinstance(table, dict):
        for key, value in table.items():
            found.append(str(key))
            found.extend(_words(value))
    elif isinstance(table, str):
        found.append(table)
    return found


def _declared(tables: list[schema.Table | None]) -> set[str]:
    return {name for table in tables if table is not None for name in table.fields}


@pytest.mark.parametrize("file", sorted(_TABLE_OF))
def test_schema_declares_every_mapped_field(file: str) -> None:
    resource = resources.files("koppel_accountview") / "mappings" / file
    with resources.as_file(resource) as path:
        spec = load_mapping_file(path)
    used = set(_NATIVE.findall(" ".join(_words(spec["fields"]))))
    if file == "orders.outbound.toml":
        used.discard("EAN_CODE")  # read by the plugin to find the article, never sent
    missing = used - _declared(_TABLE_OF[file])
    assert not missing, f"{file} uses fields schema.py does not declare: {sorted(missing)}"


def test_schema_tables_by_business_object() -> None:
    assert {code: t.name for code, t in schema.TABLES.items()} == {
        "AR1": "CONTACT",
        "AP1": "CONTACT",
        "ADDR": "DEL_ADDR",
        "AK1": "ARTICLE",
        "SO1": "SO_HDR",
        "DJ2": "DJ_PAGE",
    }
    for table in schema.TABLES.values():
        assert table.key in table.fields or table.key == "RowId"


def test_schema_rejects_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        schema.Field("X", "Q")
