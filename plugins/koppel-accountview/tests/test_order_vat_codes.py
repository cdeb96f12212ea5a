"""Sales orders take their lines' VAT codes from ``[lookups.vat_codes]`` as journal pages do:
a row for the country and rate, else the ``"*:RATE"`` row that holds for any country."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.errors import MappingRecordError
from koppel.mapping import compile_mapping
from koppel.sync import Action, Connection, Direction
from koppel_accountview.functions import FUNCTIONS
from koppel_accountview.plugin import connector

VAT_CODES = {"NL:21": "2", "NL:9": "1", "BE:9": "6", "*:21": "2"}


def order(number: str, country: str) -> dict[str, Any]:
    return {
        "number": number,
        "order_type": "order",
        "order_date": "2024-06-01",
        "customer": {"name": "Klant", "email": f"klant-{number}@example.com"},
        "shipping_address": {"street": "Rue 1", "city": "Somewhere", "country": country},
        "lines": [
            {"sku": "AV-1001", "quantity": "1", "unit_price": "24.95", "vat_rate": "21"},
            {"sku": "AV-1004", "quantity": "1", "unit_price": "7.25", "vat_rate": "9"},
        ],
        "costs": [{"kind": "shipping", "amount": "4.95", "vat_rate": "21"}],
    }


def vat_codes(
    connection: Connection,
    sandbox: Any,
    data: dict[str, Any],
    tables: dict[str, Any] | None = None,
) -> list[Any]:
    """Write the order ``data`` as a sales order; its lines' (article, VAT code)."""
    spec = connector.default_mapping(connection=connection, entity="orders", direction="outbound")
    mapping = compile_mapping(
        spec,
        name="orders",
        lookups={"vat_codes": VAT_CODES} if tables is None else tables,
        functions=FUNCTIONS,
    )
    payload = connector.map_record(
        connection=connection,
        entity="orders",
        direction=Direction.OUTBOUND,
        data=data,
        mapping=mapping,
        action=Action.CREATE,
        existing=None,
    ) or mapping.apply(data, action=Action.CREATE)
    result = connector.upsert(
        connection=connection,
        entity="orders",
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )
    return [
        (x["ART_CODE"], x.get("VAT_CODE")) for x in sandbox.lines_of("SO_LINE", result.target_id)
    ]


def test_order_vat_codes_default_row_for_any_country(connection: Connection, sandbox: Any) -> None:
    # Belgium: 21% from the "*:21" row, 9% from its own row.
    assert vat_codes(connection, sandbox, order("BE-1", "BE")) == [
        ("AV-1001", "2"),
        ("AV-1004", "6"),
        ("VERZEND", "2"),
    ]
    # Sweden has no row of its own: 21% from the "*:21" row.
    sweden = order("SE-1", "SE")
    sweden["lines"] = sweden["lines"][:1]
    assert vat_codes(connection, sandbox, sweden) == [("AV-1001", "2"), ("VERZEND", "2")]


def test_order_vat_codes_no_row_and_no_source_code_is_a_record_error(
    connection: Connection, sandbox: Any
) -> None:
    with pytest.raises(
        MappingRecordError, match="vat_codes has no row for VAT rate 9% in country SE"
    ):
        vat_codes(connection, sandbox, order("SE-2", "SE"))
    assert sandbox.store["SO_HDR"].find(ORD_REF="SE-2") == []


def test_order_vat_codes_source_code_without_a_table(connection: Connection, sandbox: Any) -> None:
    data = order("SE-3", "SE")
    data["lines"] = [{**data["lines"][0], "vat_code": "9"}]
    assert vat_codes(connection, sandbox, data, tables={}) == [("AV-1001", "9"), ("VERZEND", None)]
