"""Booking one purchase invoice: find its creditor by VAT number where it gives no
number, match it to the register (or take the operator's choice), make its balanced
journal entry and the invoice as booked, and store them with the form it goes out in
and the register's commitments lowered, once per invoice."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from koppel.errors import RecordError, ValidationError
from koppel.purchase.creditors import resolve_creditor
from koppel.purchase.ledger import LedgerSettings, booked_invoice, journal_entry
from koppel.purchase.match import (
    Candidate,
    Matched,
    MatchSettings,
    Unmatched,
    allocate,
    match_invoice,
)
from koppel.records import PurchaseInvoice, unstructure
from koppel.state import RegisteredCommitment, StateStore
from koppel.state._bookings import BookingForm, Lowered

__all__ = ["book_invoice", "candidates_text", "decide"]


def book_invoice(
    store: StateStore,
    invoice: PurchaseInvoice,
    *,
    matching: MatchSettings,
    ledger: LedgerSettings,
    multi_erp: Callable[[str | None], bool] = lambda administration: False,
    creditors: Mapping[str, str] | None = None,
) -> tuple[int, bool]:
    """Book ``invoice``: (booking id, made now). An invoice booked before answers its
    booking again and changes nothing. The booking's administration is the invoice's,
    else the one its commitments share; ``multi_erp`` says for an administration
    whether its bookings go out as journal entries (else as purchase invoices).

    :param creditors: VAT number -> creditor number, for a supplier without a number
        (:func:`~koppel.purchase.creditors.resolve_creditor`).
    :raises RecordError: when the invoice is not matched (the message lists the
        candidates an operator can choose from), its creditor is not found, or it
        cannot be booked.
    """
    invoice_id = invoice.id
    if invoice_id is None:
        raise ValidationError("the purchase invoice has no id to book it by")
    known = store.booking_of_invoice(invoice_id)
    if known is not None:
        return known.id, False
    invoice = resolve_creditor(store, invoice, creditors or {})
    decision = decide(store, invoice, matching)
    if isinstance(decision, Unmatched):
        raise RecordError(
            f"not matched: {decision.reason}; {candidates_text(decision.candidates)}; "
            f"choose with `koppel commitments match INVOICE ID[:AMOUNT] ...`",
            invoice=invoice.id,
        )
    last = decision.allocations[-1] if decision.allocations else None
    difference, account = decision.difference, decision.difference_account
    taken_from = last.gl_account if last else None
    entry = journal_entry(
        invoice,
        ledger,
        difference=difference,
        difference_account=account,
        difference_from=taken_from,
    )
    as_booked = booked_invoice(
        invoice, difference=difference, difference_account=account, difference_from=taken_from
    )
    bookings = decision.bookings()
    administrations = {a.commitment.commitment.administration for a in decision.allocations}
    administration = invoice.administration or (
        administrations.pop() if len(administrations) == 1 else None
    )
    return store.save_booking(
        invoice_id,
        administration=administration,
        entry=unstructure(entry),
        invoice_record=unstructure(as_booked),
        form=BookingForm.JOURNAL_ENTRY
        if multi_erp(administration)
        else BookingForm.PURCHASE_INVOICE,
        commitment_bookings=[
            {"source_system": allocation.commitment.source_system, "record": unstructure(booking)}
            for allocation, booking in zip(decision.allocations, bookings, strict=True)
        ],
        lowered=[
            Lowered(
                register_id=allocation.commitment.id,
                line=(allocation.line.id or allocation.line.number) if allocation.line else None,
                amount=allocation.amount,
                handled=allocation.handled,
                left=allocation.left,
            )
            for allocation in decision.allocations
        ],
    )


def decide(
    store: StateStore, invoice: PurchaseInvoice, settings: MatchSettings
) -> Matched | Unmatched:
    """The operator's choice for ``invoice`` where one was made, else the automatic match
    against the open commitments of its supplier in the register."""
    chosen = store.chosen_commitments(invoice.id or "")
    if chosen is not None:
        picked = []
        for register_id, amount in chosen:
            registered = store.commitment(register_id)
            if registered is None:
                raise RecordError(
                    f"the chosen commitment {register_id} is not in the register",
                    invoice=invoice.id,
                )
            picked.append((registered, amount))
        return allocate(invoice, picked, settings)
    return match_invoice(invoice, _open_of_supplier(store, invoice), settings)


def _open_of_supplier(store: StateStore, invoice: PurchaseInvoice) -> list[RegisteredCommitment]:
    supplier = invoice.supplier
    keys = [key for key in (supplier.number, supplier.vat_number) if key] if supplier else []
    found: dict[int, RegisteredCommitment] = {}
    for key in keys:
        for registered in store.commitments_by_supplier(
            key, administration=invoice.administration, open_only=True
        ):
            found.setdefault(registered.id, registered)
        if invoice.administration is not None:  # commitments that name no administration
            for registered in store.commitments_by_supplier(key, open_only=True):
                if registered.commitment.administration is None:
                    found.setdefault(registered.id, registered)
    return [found[key] for key in sorted(found)]


def candidates_text(candidates: Sequence[Candidate], *, shown: int = 6) -> str:
    """The candidates as one short line for a parked record's message: register id,
    code, line, source system, GL account, open amount and why it was not taken."""
    if not candidates:
        return "no candidates: the register has no open commitment of this supplier"
    parts = []
    for candidate in candidates[:shown]:
        registered = candidate.commitment
        commitment = registered.commitment
        name = commitment.code or commitment.internal_reference or registered.source_id
        line = candidate.line
        where = f" line {line.id or line.number}" if line else ""
        account = (line and line.gl_account) or commitment.gl_account or "any"
        open_amount = line.open_amount if line else commitment.open_amount
        parts.append(
            f"{registered.id} {name}{where} ({registered.source_system}, GL {account}, "
            f"open {open_amount}; {candidate.reason})"
        )
    more = len(candidates) - shown
    return "candidates: " + ", ".join(parts) + (f" and {more} more" if more > 0 else "")
