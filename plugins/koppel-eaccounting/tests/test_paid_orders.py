"""Only paid orders: the filter ``paid = true`` reads the orders whose customer invoice is
paid in full, as the invoices change, 20 orders a call."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from koppel.errors import ConfigurationError, SourceRecordError
from koppel.http import FakeClock
from koppel.sync import Connection
from koppel_eaccounting.plugin import connector as plugin
from koppel_eaccounting.sandbox import EAccountingSandbox

from .conftest import client_of
from .test_plugin_flows import read


def invoices(sandbox: EAccountingSandbox, **fields: Any) -> list[dict[str, Any]]:
    return sandbox.store["customerinvoices"].find(**fields)


def pay(connection: Connection, invoice: dict[str, Any], amount: float) -> None:
    body = {
        "CompanyBankAccountId": str(uuid.uuid4()),
        "PaymentAmount": amount,
        "PaymentCurrency": invoice["CurrencyCode"],
        "PaymentType": 1,
    }
    client_of(connection).post(f"customerinvoices/{invoice['Id']}/payments", body)


def test_paid_reads_only_orders_whose_invoice_is_paid_in_full(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    paid = {i["CreatedFromOrderId"] for i in invoices(sandbox, PaymentStatus=0)}
    partly = invoices(sandbox, PaymentStatus=1)
    assert paid and partly and invoices(sandbox, PaymentStatus=2)  # all three in the demo
    assert all(0 < i["RemainingAmount"] < i["TotalAmount"] for i in partly)
    records = read(connection, "orders", paid=True)
    assert {r.id for r in records} == paid
    assert all(r.error is None and r.data["Status"] == 4 for r in records)
    assert all(r.data["Invoice"]["RemainingAmount"] == 0 for r in records)
    assert all(r.cursor == r.data["Invoice"]["ModifiedUtc"] for r in records)
    # one page of invoices, then the paid orders in one call (20 a call), never one per order
    assert sandbox.calls[("GET", "/v2/customerinvoices")] == 1
    assert sandbox.calls[("GET", "/v2/orders")] == 1
    assert sandbox.calls[("GET", "/v2/orders/{id}")] == 0


def test_paid_order_comes_once_its_invoice_is_paid_in_full(
    connection: Connection, sandbox: EAccountingSandbox, clock: FakeClock
) -> None:
    before = read(connection, "orders", paid=True)
    clock.advance(30 * 86400)  # the payments come a month after the demo's invoices
    cursor = max(r.cursor for r in before)
    at_cursor = {r.id for r in before if r.cursor == cursor}  # read again by ``ge``
    partly = invoices(sandbox, PaymentStatus=1)[0]
    unpaid = invoices(sandbox, PaymentStatus=2)[0]
    pay(connection, unpaid, 1.0)  # partly paid now: still not read
    assert {r.id for r in read_from(connection, cursor, paid=True)} == at_cursor
    pay(connection, partly, partly["RemainingAmount"])
    after = read_from(connection, cursor, paid=True)
    assert [r.id for r in after if r.id not in at_cursor] == [partly["CreatedFromOrderId"]]
    assert after[-1].data["Invoice"]["PaymentStatus"] == 0


def read_from(connection: Connection, cursor: str, **filters: Any) -> list[Any]:
    return list(
        plugin.fetch_records(connection=connection, entity="orders", cursor=cursor, filters=filters)
    )


def test_paid_leaves_out_credit_invoices_and_credited_ones(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    first, second = invoices(sandbox, PaymentStatus=0)[:2]
    sandbox.store["customerinvoices"].update(first["Id"], {"IsCreditInvoice": True})
    credit = {"CreditInvoiceId": str(uuid.uuid4())}
    sandbox.store["customerinvoices"].update(second["Id"], {"CreditedBy": [credit]})
    ids = {r.id for r in read(connection, "orders", paid=True)}
    assert not ids & {first["CreatedFromOrderId"], second["CreatedFromOrderId"]}


def test_paid_reads_each_order_of_a_collective_invoice(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    invoice = invoices(sandbox, PaymentStatus=0)[0]
    other = next(o for o in sandbox.store["orders"].all() if o["Status"] == 3)
    relation = {"OrderId": other["Id"], "OrderNumber": other["Number"]}
    sandbox.store["customerinvoices"].update(
        invoice["Id"],
        {"IsCollectiveInvoice": True, "CollectiveCustomerInvoiceRowsRelationToOrders": [relation]},
    )
    ids = {r.id for r in read(connection, "orders", paid=True)}
    assert {invoice["CreatedFromOrderId"], other["Id"]} <= ids


def test_paid_and_a_status_filter_read_the_paid_orders_of_that_status(
    connection: Connection,
) -> None:
    assert read(connection, "orders", paid=True, status=["shipped"]) == []
    assert read(connection, "orders", paid=True, status=["invoiced"])


def test_paid_invoice_with_a_bad_amount_makes_its_order_unreadable_naming_the_field(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    victim = invoices(sandbox, PaymentStatus=0)[0]
    sandbox.store["customerinvoices"].update(victim["Id"], {"RemainingAmount": "veel"})
    records = read(connection, "orders", paid=True)
    (bad,) = [r for r in records if r.error is not None]
    assert bad.id == victim["CreatedFromOrderId"]
    assert isinstance(bad.error, SourceRecordError)
    assert bad.error.context["field"] == "Invoice.RemainingAmount"
    assert len(records) == len(invoices(sandbox, PaymentStatus=0))


@pytest.mark.parametrize("value", [False, "yes", 1])
def test_paid_takes_only_true(connection: Connection, value: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        read(connection, "orders", paid=value)
    assert info.value.context["field"] == "filters.paid"
