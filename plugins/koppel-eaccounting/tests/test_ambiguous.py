"""A match-key value several eAccounting records share: all of them, best first, never one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from koppel.errors import ValidationError
from koppel.sync import Action, Ambiguous, Connection, Direction, TargetRecord
from koppel_eaccounting.plugin import connector as plugin
from koppel_eaccounting.sandbox import EAccountingSandbox

from .test_plugin_flows import mapped

SHARED = "f.elamrani@hotelzeezicht.nl"  # customers 1003 and 1011 in the demo company


def find(connection: Connection, entity: str, key: str, *values: str) -> Any:
    return plugin.find_existing(
        connection=connection, entity=entity, match_key=key, values=list(values)
    )


def numbers(match: Ambiguous, field: str) -> list[str]:
    return [str(candidate.data[field]) for candidate in match.candidates]


def add_copy(sandbox: EAccountingSandbox, collection: str, number: str, **fields: Any) -> None:
    """A second record like the first of ``collection``, with ``fields`` changed."""
    field = "CustomerNumber" if collection == "customers" else "Number"
    record = {**sandbox.store[collection].all()[0], "Id": str(uuid.uuid4()), field: number}
    sandbox.store[collection].put(record["Id"], {**record, **fields})


def test_ambiguous_customers_sharing_an_email_are_all_answered_lowest_number_first(
    connection: Connection,
) -> None:
    found = find(connection, "customers", "email", SHARED, "pieter@hethoekje.nl")
    shared = found[SHARED]
    assert isinstance(shared, Ambiguous)
    assert numbers(shared, "CustomerNumber") == ["1003", "1011"]
    assert isinstance(found["pieter@hethoekje.nl"], TargetRecord)


def test_ambiguous_customer_numbers_rank_by_value_not_text(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    add_copy(sandbox, "customers", "999", EmailAddress=f" {SHARED.upper()} ")
    (match,) = find(connection, "customers", "email", SHARED).values()
    assert numbers(match, "CustomerNumber") == ["999", "1003", "1011"]


def test_ambiguous_articles_sharing_a_barcode_are_all_answered_lowest_number_first(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    add_copy(sandbox, "articles", "AV-0500", Barcodes=[{"Barcode": "8712345010016"}])
    match = find(connection, "products", "ean", "8712345010016")["8712345010016"]
    assert isinstance(match, Ambiguous)
    assert numbers(match, "Number") == ["AV-0500", "AV-1001"]


def test_ambiguous_article_numbers_that_differ_only_in_spaces_are_all_answered(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    add_copy(sandbox, "articles", "AV-1002 ")
    match = find(connection, "stock", "sku", "AV-1002")["AV-1002"]
    assert isinstance(match, Ambiguous) and len(match.candidates) == 2


def order(**changes: Any) -> dict[str, Any]:
    return {
        "number": "W-7",
        "order_date": "2024-06-01",
        "customer": {"email": SHARED},
        "lines": [{"sku": "AV-1001", "quantity": "1"}],
        **changes,
    }


def write(connection: Connection, record: dict[str, Any]) -> Any:
    payload = mapped(connection, "orders", Direction.OUTBOUND, record, action=Action.CREATE)
    return plugin.upsert(
        connection=connection,
        entity="orders",
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )


def test_ambiguous_order_customer_is_a_record_error_naming_every_candidate(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    with pytest.raises(ValidationError, match="1003, 1011") as info:
        write(connection, order())
    assert info.value.context["candidates"] == ["1003", "1011"]
    assert info.value.context["field"] == "customer.email"
    assert sandbox.calls[("POST", "/v2/orders")] == 0


def test_ambiguous_order_row_barcode_is_a_record_error_naming_every_article(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    add_copy(sandbox, "articles", "AV-0500", Barcodes=[{"Barcode": "8712345010016"}])
    record = order(
        customer={"email": "pieter@hethoekje.nl"},
        lines=[{"ean": "8712345010016", "quantity": "1"}],
    )
    with pytest.raises(ValidationError, match="AV-0500, AV-1001") as info:
        write(connection, record)
    assert info.value.context["record"] == "W-7"
    assert sandbox.calls[("POST", "/v2/orders")] == 0


def test_ambiguous_orders_sharing_a_reference_are_all_answered_lowest_number_first(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    first, second = sandbox.store["orders"].all()[:2]
    sandbox.store["orders"].update(second["Id"], {"YourReference": first["YourReference"]})
    match = find(connection, "orders", "number", first["YourReference"])[first["YourReference"]]
    assert isinstance(match, Ambiguous)
    assert numbers(match, "Number") == [str(first["Number"]), str(second["Number"])]
