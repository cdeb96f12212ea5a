"""The creditor of a purchase invoice whose supplier gives no creditor number: found by
its VAT number.

Where it is looked for, in order:

1. the ``booking`` connection's ``creditors`` setting (VAT number -> creditor number),
   which an operator keeps for suppliers that never state their number;
2. the bookings made before: an invoice of the same VAT number that named its creditor
   number (or had it resolved) gives that number.

One number found: the invoice is booked with it. Several: the invoice is parked naming
them (fix it with the ``creditors`` setting). None: the invoice is booked by VAT number
only when the register has commitments whose supplier is that VAT number; otherwise it
is parked saying where the number was looked for. A finance ERP plugin may still find
the creditor by VAT number when it writes the booking (Exact Online's
``purchase_invoices``: by code or VAT number).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from koppel.errors import RecordError, ValidationError
from koppel.log import get_logger
from koppel.records import PurchaseInvoice
from koppel.records._purchase import check_vat_number
from koppel.state import StateStore

__all__ = ["creditor_table", "resolve_creditor"]

_log = get_logger(component="purchase.creditors")


def creditor_table(creditors: Mapping[str, str]) -> dict[str, str]:
    """The ``creditors`` setting with its VAT numbers compacted (``NL 8547.23.456.B01``
    is ``NL854723456B01``), so a key matches however it was written.

    :raises ValidationError: naming ``creditors`` for a key that is no VAT number.
    """
    table = {}
    for vat_number, number in creditors.items():
        try:
            table[check_vat_number(vat_number)] = str(number)
        except ValidationError as exc:
            raise ValidationError(f"creditors: {exc.message}", field="creditors") from None
    return table


def resolve_creditor(
    store: StateStore, invoice: PurchaseInvoice, creditors: Mapping[str, str]
) -> PurchaseInvoice:
    """``invoice`` with its supplier's creditor number, found by VAT number where the
    invoice gives none (see the module's description); unchanged otherwise.

    :param creditors: VAT number (compacted, :func:`creditor_table`) -> creditor number.
    :raises RecordError: when the VAT number gives several creditor numbers, or none
        and the register holds no commitment of that VAT number either.
    """
    supplier = invoice.supplier
    if supplier is None or supplier.number or not supplier.vat_number:
        return invoice
    vat_number = supplier.vat_number
    number = creditors.get(vat_number)
    if number is None:
        found = store.creditor_numbers(vat_number)
        if len(found) > 1:
            where = ", ".join(f"{n} (booking {booking})" for n, booking in found.items())
            raise RecordError(
                f"the supplier gives no creditor number and its VAT number {vat_number} is "
                f"that of {len(found)} creditors in earlier bookings: {where}; say which "
                f'with the booking setting creditors = {{ "{vat_number}" = "<number>" }}',
                invoice=invoice.id,
                field="supplier.number",
            )
        number = next(iter(found), None)
    if number is None:
        if store.commitments_by_supplier(vat_number):
            return invoice  # the commitments' source knows the supplier by VAT number
        raise RecordError(
            f"the supplier gives no creditor number and none is known for its VAT number "
            f"{vat_number}: no earlier booking names one and the booking setting creditors "
            f'has none; add creditors = {{ "{vat_number}" = "<number>" }} or ask the '
            "supplier to state its number (cac:PartyIdentification)",
            invoice=invoice.id,
            field="supplier.number",
        )
    _log.info("creditor found by VAT number", invoice=invoice.id, vat_number=vat_number)
    return attrs.evolve(invoice, supplier=attrs.evolve(supplier, number=number))
