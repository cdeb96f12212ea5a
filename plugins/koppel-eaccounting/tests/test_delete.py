"""Deleting target records where the v2 specification documents a DELETE: customers,
orders and invoice drafts (not articles); one already gone counts as deleted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from koppel.errors import RejectedError
from koppel.sync import Action, Connection, Direction, TargetRecord
from koppel_eaccounting.plugin import connector as plugin
from koppel_eaccounting.sandbox import EAccountingSandbox

from .test_plugin_flows import mapped

SHARED = "f.elamrani@hotelzeezicht.nl"  # 1003 with orders, 1011 without


def delete(connection: Connection, entity: str, target_id: str) -> Any:
    return plugin.delete_record(connection=connection, entity=entity, target_id=target_id)


def test_delete_is_offered_where_the_spec_documents_it() -> None:
    entities = {e.name: e.delete for e in plugin.koppel_system().entities}
    assert entities == {"customers": True, "orders": True, "products": False, "stock": False}


def test_delete_customer_without_transactions_and_the_index_follows(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    (second,) = sandbox.store["customers"].find(CustomerNumber="1011")
    before = plugin.find_existing(
        connection=connection, entity="customers", match_key="email", values=[SHARED]
    )
    assert not isinstance(before[SHARED], TargetRecord)  # ambiguous while 1011 exists
    assert delete(connection, "customers", second["Id"]) is True
    assert sandbox.store["customers"].get(second["Id"]) is None
    after = plugin.find_existing(
        connection=connection, entity="customers", match_key="email", values=[SHARED]
    )
    assert isinstance(after[SHARED], TargetRecord)
    assert after[SHARED].data["CustomerNumber"] == "1003"
    assert delete(connection, "customers", second["Id"]) is True  # gone: 400, code 3000


def test_delete_customer_with_transactions_is_refused(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    (first,) = sandbox.store["customers"].find(CustomerNumber="1003")
    with pytest.raises(RejectedError) as info:
        delete(connection, "customers", first["Id"])
    assert info.value.context["error_code"] == 4001
    assert sandbox.store["customers"].get(first["Id"]) is not None


def create_order(connection: Connection, order_type: str) -> str:
    order = {
        "number": f"W-{order_type}",
        "order_type": order_type,
        "order_date": "2024-06-01",
        "customer": {"email": "pieter@hethoekje.nl"},
        "lines": [{"sku": "AV-1001", "quantity": "1"}],
    }
    payload = mapped(connection, "orders", Direction.OUTBOUND, order, action=Action.CREATE)
    result = plugin.upsert(
        connection=connection,
        entity="orders",
        action=Action.CREATE,
        payload=payload,
        target_id=None,
    )
    return result.target_id


@pytest.mark.parametrize(
    ("order_type", "path", "calls"),
    [("order", "orders", 1), ("invoice", "customerinvoicedrafts", 2)],
)
def test_delete_order_or_invoice_draft_it_wrote(
    connection: Connection, sandbox: EAccountingSandbox, order_type: str, path: str, calls: int
) -> None:
    target = create_order(connection, order_type)
    assert delete(connection, "orders", target) is True
    assert sandbox.store[path].get(target) is None
    deletes = sum(n for (method, _), n in sandbox.calls.items() if method == "DELETE")
    assert deletes == calls  # a draft's id is tried as an order first


def test_delete_shipped_or_invoiced_order_is_refused(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    invoiced = next(o for o in sandbox.store["orders"].all() if o["Status"] == 4)
    with pytest.raises(RejectedError):
        delete(connection, "orders", invoiced["Id"])
    assert sandbox.store["orders"].get(invoiced["Id"]) is not None


def test_delete_answered_404_counts_as_gone(
    connection: Connection, sandbox: EAccountingSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # S1 documents 400 with code 3000 for a missing customer; the live API may answer 404.
    def not_found(request: httpx.Request) -> httpx.Response | None:
        if request.method == "DELETE":
            return httpx.Response(404)  # no error body: the status alone says it
        return None

    monkeypatch.setattr(sandbox, "throttle", not_found)
    (second,) = sandbox.store["customers"].find(CustomerNumber="1011")
    assert delete(connection, "customers", second["Id"]) is True
