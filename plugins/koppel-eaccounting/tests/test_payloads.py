"""Bodies checked against facts.py before they are sent: a record error naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.errors import ValidationError
from koppel.sync import Action, Connection, Direction
from koppel_eaccounting.plugin import connector as plugin
from koppel_eaccounting.sandbox import EAccountingSandbox

from .test_plugin_flows import mapped

ADDRESS = {"street": "Markt", "house_number": "5", "postcode": "5211 JV", "city": "Den Bosch"}


def create(connection: Connection, entity: str, record: dict[str, Any]) -> Any:
    payload = mapped(connection, entity, Direction.OUTBOUND, record, action=Action.CREATE)
    return plugin.upsert(
        connection=connection,
        entity=entity,
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )


@pytest.mark.parametrize(
    ("entity", "record", "field"),
    [
        ("customers", {"name": "Zonder Adres", "email": "zonder@example.nl"}, "InvoicePostalCode"),
        (
            "customers",
            {"name": "Lang", "email": "lang@example.nl", "debtor_number": "1" * 17},
            "CustomerNumber",
        ),
        ("products", {"sku": "AV-2002", "name": "N" * 51}, "Name"),
        ("products", {"sku": "A" * 41, "name": "Kort"}, "Number"),
    ],
)
def test_payloads_body_the_api_refuses_is_a_record_error_naming_the_field(
    connection: Connection,
    sandbox: EAccountingSandbox,
    entity: str,
    record: dict[str, Any],
    field: str,
) -> None:
    record = {"billing_address": ADDRESS, **record} if field != "InvoicePostalCode" else record
    path = "/v2/customers" if entity == "customers" else "/v2/articles"
    with pytest.raises(ValidationError) as info:
        create(connection, entity, record)
    assert info.value.context["field"] == field
    assert field in info.value.message
    assert sandbox.calls[("POST", path)] == 0  # refused before it is sent, never cut to fit


@pytest.mark.parametrize(
    ("order_type", "path"), [("order", "/v2/orders"), ("invoice", "/v2/customerinvoicedrafts")]
)
def test_payloads_order_row_text_too_long_is_a_record_error_naming_the_row(
    connection: Connection, sandbox: EAccountingSandbox, order_type: str, path: str
) -> None:
    order = {
        "number": "W-9",
        "order_type": order_type,
        "order_date": "2024-06-01",
        "customer": {"email": "jan@bakkerijvandam.nl"},
        "lines": [{"sku": "AV-1001", "quantity": "1", "description": "x" * 2001}],
    }
    with pytest.raises(ValidationError) as info:
        create(connection, "orders", order)
    assert info.value.context["field"] == "Rows[0].Text"
    assert sandbox.calls[("POST", path)] == 0
