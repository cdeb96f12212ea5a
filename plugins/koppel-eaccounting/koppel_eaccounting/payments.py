"""Which orders are paid: the customer invoices made from them, with nothing left to pay.

eAccounting orders carry no payment state (``Status`` 4 Invoiced is their last).
A customer invoice (``/v2/customerinvoices``, :data:`~koppel_eaccounting.facts.INVOICE`)
names the order it was converted from (``CreatedFromOrderId``; a collective
invoice names each in ``CollectiveCustomerInvoiceRowsRelationToOrders[].OrderId``)
and what is left to pay (``RemainingAmount``; ``PaymentStatus`` 0 Paid, 1 Unpaid,
2 Overdue). A flow's filter ``paid = true`` reads the invoices changed since
the cursor and the orders of those paid in full (:mod:`koppel_eaccounting.resources.orders`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from koppel.errors import ConfigurationError, SourceRecordError
from koppel.records import to_decimal

__all__ = ["PAID", "Linked", "is_paid", "order_ids", "paid_filter", "paid_invoices"]

#: ``PaymentStatus`` of an invoice paid in full (S1 CustomerInvoiceApi).
PAID = 0

#: (order id, the invoice made from it, the error that makes the invoice unreadable)
Linked = tuple[str, Mapping[str, Any], SourceRecordError | None]


def paid_filter(value: Any) -> bool:
    """Whether a flow's ``paid`` filter asks for paid orders only (it is true).

    :raises ConfigurationError: for any other value than true or none, naming ``filters.paid``.
    """
    if value is None:
        return False
    if value is True:
        return True
    raise ConfigurationError(
        f"the filter paid takes true (paid orders only), not {value!r}; leave it out to "
        "read every order",
        entity="orders",
        field="filters.paid",
    )


def _number(invoice: Mapping[str, Any], field: str) -> Decimal:
    value = invoice.get(field)
    try:
        return to_decimal(value)
    except (TypeError, ValueError):
        raise SourceRecordError(
            f"customer invoice {invoice.get('InvoiceNumber')}: {field} {value!r} is not a number",
            field=f"Invoice.{field}",
        ) from None


def is_paid(invoice: Mapping[str, Any]) -> bool:
    """Whether ``invoice`` is paid in full: ``PaymentStatus`` Paid and nothing remaining.

    A credit invoice, and an invoice credited since (``CreditedBy``), is not a payment.

    :raises SourceRecordError: naming the field when the amount or status is no number.
    """
    remaining = _number(invoice, "RemainingAmount")
    status = _number(invoice, "PaymentStatus")
    if invoice.get("IsCreditInvoice") or invoice.get("CreditedBy"):
        return False
    return status == PAID and remaining <= 0


def order_ids(invoice: Mapping[str, Any]) -> list[str]:
    """The ids of the orders ``invoice`` was made from (none for a direct invoice).

    :raises SourceRecordError: naming the field when one is no GUID.
    """
    found = [("CreatedFromOrderId", invoice.get("CreatedFromOrderId"))]
    relations = invoice.get("CollectiveCustomerInvoiceRowsRelationToOrders") or ()
    for number, relation in enumerate(relations):
        if isinstance(relation, Mapping):
            field = f"CollectiveCustomerInvoiceRowsRelationToOrders[{number}].OrderId"
            found.append((field, relation.get("OrderId")))
    ids: list[str] = []
    for field, value in found:
        if value is None:
            continue
        try:
            ids.append(str(uuid.UUID(str(value))))
        except ValueError:
            raise SourceRecordError(
                f"customer invoice {invoice.get('InvoiceNumber')}: {field} {value!r} is no id",
                field=f"Invoice.{field}",
            ) from None
    return list(dict.fromkeys(ids))


def paid_invoices(invoices: Iterable[Mapping[str, Any]]) -> Iterator[Linked]:
    """Each order of each invoice paid in full, in the invoices' order, with no error;
    each order of an invoice that cannot be read, with its error."""
    for invoice in invoices:
        try:
            ids = order_ids(invoice)
        except SourceRecordError as exc:
            yield str(invoice.get("Id")), invoice, exc
            continue
        if not ids:
            continue
        try:
            paid = is_paid(invoice)
        except SourceRecordError as exc:
            yield from ((order_id, invoice, exc) for order_id in ids)
            continue
        if paid:
            yield from ((order_id, invoice, None) for order_id in ids)
