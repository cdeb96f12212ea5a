"""Automatic matching (*afletteren*) of a purchase invoice to commitments in the register.

Pure functions: the caller hands in the invoice and the register's commitments of its
supplier (``StateStore.commitments_by_supplier(..., open_only=True)``) and gets a
decision back; nothing is read or written here.

The rules (issue 18):

* a reference on the invoice (:attr:`PurchaseInvoice.references`) matches a commitment by
  its code, internal or external reference, or, for the source systems named in
  :attr:`MatchSettings.delivery_note_sources` (Exact Online Bouw), by a delivery note
  of the commitment or of one of its lines;
* only open commitments of the invoice's supplier (its number or VAT number) and
  administration are candidates;
* a commitment (line) with a GL account matches only when an invoice line is booked on
  that account (a commitment without one, or an invoice without any, matches any);
* matching is done for the invoice as a whole; several commitments may share it;
* a reference that finds several commitments, or an invoice that finds none, is not
  matched: the result lists the candidates for an operator to choose from
  (:func:`allocate` books the chosen ones);
* what is left between the invoice and the commitments' open amounts is treated as
  :class:`Remainder` says.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal

import attrs

from koppel.errors import ConfigurationError, ValidationError
from koppel.records import (
    CommitmentBooking,
    CommitmentLine,
    PurchaseInvoice,
    PurchaseInvoiceKind,
)
from koppel.state import RegisteredCommitment
from koppel.state._commitments import key_value

__all__ = [
    "Allocation",
    "Candidate",
    "MatchSettings",
    "Matched",
    "Remainder",
    "Unmatched",
    "allocate",
    "match_invoice",
]

_ZERO = Decimal(0)


class Remainder(enum.StrEnum):
    """What happens to the difference between an invoice and its commitments' open amounts.

    ``leave_open``: a commitment keeps what was not invoiced open (the last one takes
    any excess). ``close``: every commitment booked on is handled afterwards.
    ``book_difference``: every commitment is booked for exactly its open amount and
    handled; the difference goes to :attr:`MatchSettings.difference_account`.
    """

    LEAVE_OPEN = "leave_open"
    CLOSE = "close"
    BOOK_DIFFERENCE = "book_difference"


@attrs.frozen(kw_only=True)
class MatchSettings:
    """How invoices are matched.

    :param remainder: see :class:`Remainder`.
    :param difference_account: the GL account of the difference (``book_difference``).
    :param delivery_note_sources: the register's source systems whose commitments are
        matched by delivery note (Exact Online Bouw); the others by code or reference.
    """

    remainder: Remainder = Remainder.LEAVE_OPEN
    difference_account: str | None = None
    delivery_note_sources: frozenset[str] = frozenset()

    def __attrs_post_init__(self) -> None:
        if self.remainder is Remainder.BOOK_DIFFERENCE and not self.difference_account:
            raise ConfigurationError(
                "remainder = book_difference needs a difference_account",
                path="difference_account",
            )


@attrs.frozen(kw_only=True)
class Candidate:
    """A commitment (line) an operator may choose, with why it was not taken."""

    commitment: RegisteredCommitment
    line: CommitmentLine | None = None
    reference: str | None = None
    reason: str


@attrs.frozen(kw_only=True)
class Allocation:
    """An amount of the invoice booked against one commitment (line).

    ``handled`` says the commitment (line) is done afterwards; ``left`` is its open
    amount after this booking.
    """

    commitment: RegisteredCommitment
    line: CommitmentLine | None = None
    reference: str | None = None
    delivery_note: str | None = None
    amount: Decimal
    handled: bool
    left: Decimal

    @property
    def gl_account(self) -> str | None:
        """The GL account of the commitment line, else of the commitment (None: any)."""
        return (self.line and self.line.gl_account) or self.commitment.commitment.gl_account


@attrs.frozen(kw_only=True)
class Matched:
    """The invoice matched: its allocations, and a difference booked to an account."""

    invoice: PurchaseInvoice
    allocations: tuple[Allocation, ...]
    difference: Decimal = _ZERO
    difference_account: str | None = None

    def bookings(self) -> tuple[CommitmentBooking, ...]:
        """One :class:`~koppel.records.CommitmentBooking` per allocation, for the system
        that holds the commitments (its id: invoice id, commitment and line)."""
        invoice = self.invoice
        found = []
        for allocation in self.allocations:
            commitment = allocation.commitment.commitment
            line = allocation.line
            parts = [invoice.id or invoice.number or "", allocation.commitment.source_id]
            if line is not None:
                parts.append(line.id or line.number or "")
            found.append(
                CommitmentBooking(
                    id="/".join(parts),
                    commitment=allocation.commitment.source_id,
                    line=None if line is None else line.id,
                    invoice_number=invoice.number,
                    supplier=commitment.supplier,
                    delivery_note=allocation.delivery_note,
                    gl_account=allocation.gl_account,
                    description=(line and line.description) or commitment.description,
                    amount=allocation.amount,
                    currency=invoice.currency,
                    handled=allocation.handled,
                    booked_on=invoice.issue_date,
                )
            )
        return tuple(found)


@attrs.frozen(kw_only=True)
class Unmatched:
    """The invoice is not matched; ``reason`` says why, ``candidates`` what may be chosen."""

    invoice: PurchaseInvoice
    reason: str
    candidates: tuple[Candidate, ...] = ()


@attrs.frozen
class _Hit:
    commitment: RegisteredCommitment
    line: CommitmentLine | None
    reference: str
    by_delivery_note: bool

    @property
    def key(self) -> tuple[int, str | None]:
        return (
            self.commitment.id,
            None if self.line is None else (self.line.id or self.line.number),
        )

    @property
    def gl_account(self) -> str | None:
        return (self.line and self.line.gl_account) or self.commitment.commitment.gl_account

    @property
    def open_amount(self) -> Decimal:
        source = self.line or self.commitment.commitment
        return source.open_amount


def match_invoice(
    invoice: PurchaseInvoice,
    commitments: Sequence[RegisteredCommitment],
    settings: MatchSettings,
) -> Matched | Unmatched:
    """Match ``invoice`` to ``commitments`` (the register's, of its supplier) by the rules
    in this module's description."""
    if invoice.kind is PurchaseInvoiceKind.CREDIT_NOTE:
        return Unmatched(invoice=invoice, reason="a credit note is matched by an operator")
    pool = [c for c in commitments if _candidate(invoice, c)]
    accounts = {line.gl_account for line in invoice.lines if line.gl_account}
    chosen: dict[tuple[int, str | None], _Hit] = {}
    rejected: list[Candidate] = []
    for reference in invoice.references:
        hits = _hits(reference, pool, settings)
        fitting = [hit for hit in hits if _fits(hit, accounts)]
        rejected.extend(
            Candidate(
                commitment=hit.commitment,
                line=hit.line,
                reference=reference,
                reason=f"its GL account {hit.gl_account} is on no invoice line "
                f"({', '.join(sorted(accounts))})",
            )
            for hit in hits
            if hit not in fitting
        )
        if len(fitting) > 1:
            return Unmatched(
                invoice=invoice,
                reason=f"reference {reference} matches {len(fitting)} commitments",
                candidates=tuple(
                    Candidate(
                        commitment=hit.commitment,
                        line=hit.line,
                        reference=reference,
                        reason="one of several",
                    )
                    for hit in fitting
                ),
            )
        for hit in fitting:
            chosen.setdefault(hit.key, hit)
    if not chosen:
        reason = (
            "no commitment of the supplier with a fitting GL account matches a reference"
            if rejected
            else "no open commitment of the supplier matches a reference on the invoice"
        )
        others = tuple(
            Candidate(commitment=c, reason="an open commitment of the supplier") for c in pool
        )
        return Unmatched(invoice=invoice, reason=reason, candidates=tuple(rejected) or others)
    return _distribute(invoice, list(chosen.values()), settings, amounts=None)


def allocate(
    invoice: PurchaseInvoice,
    chosen: Sequence[tuple[RegisteredCommitment, Decimal | None]],
    settings: MatchSettings,
) -> Matched:
    """Book ``invoice`` on the commitments an operator chose, each with the amount given
    (None: distributed as automatic matching does). For a credit note the amounts are
    taken off the commitments' booked amounts: their open amounts grow again.

    :raises ValidationError: when nothing is chosen, or the amounts given exceed the
        invoice total.
    """
    if not chosen:
        raise ValidationError("choose at least one commitment", invoice=invoice.id)
    hits = [_Hit(commitment, None, "", False) for commitment, _ in chosen]
    # A credit note's total is negative; the amounts chosen for it are taken off too.
    sign = -1 if invoice.total_excl_vat < 0 else 1
    amounts = [None if amount is None else sign * abs(amount) for _, amount in chosen]
    return _distribute(invoice, hits, settings, amounts=amounts)


def _candidate(invoice: PurchaseInvoice, registered: RegisteredCommitment) -> bool:
    commitment = registered.commitment
    supplier = invoice.supplier
    keys = {supplier.number, supplier.vat_number} - {None} if supplier else set()
    if commitment.supplier not in keys:
        return False
    if invoice.administration and commitment.administration not in (None, invoice.administration):
        return False
    return not commitment.handled and commitment.open_amount != 0


def _hits(
    reference: str, pool: Sequence[RegisteredCommitment], settings: MatchSettings
) -> list[_Hit]:
    wanted = key_value(reference)
    found = []
    for registered in pool:
        commitment = registered.commitment
        if registered.source_system in settings.delivery_note_sources:
            # The line that names the delivery note, where one does; else the commitment.
            lines = [
                _Hit(registered, line, reference, True)
                for line in commitment.lines
                if not line.handled
                and line.open_amount != 0
                and wanted in {key_value(note) for note in line.delivery_notes}
            ]
            if lines:
                found.extend(lines)
            elif wanted in {key_value(note) for note in commitment.delivery_notes}:
                found.append(_Hit(registered, None, reference, True))
        else:
            keys = (commitment.code, commitment.internal_reference, commitment.external_reference)
            if wanted in {key_value(key) for key in keys if key}:
                found.append(_Hit(registered, None, reference, False))
    return found


def _fits(hit: _Hit, accounts: set[str]) -> bool:
    return hit.gl_account is None or not accounts or hit.gl_account in accounts


def _distribute(
    invoice: PurchaseInvoice,
    hits: Sequence[_Hit],
    settings: MatchSettings,
    *,
    amounts: Sequence[Decimal | None] | None,
) -> Matched:
    """Spread the invoice total (excl. VAT) over ``hits`` in order, as ``settings`` say."""
    total = invoice.total_excl_vat
    given = sum((a for a in (amounts or ()) if a is not None), _ZERO)
    if abs(given) > abs(total):
        raise ValidationError(
            f"the amounts chosen ({given}) exceed the invoice total ({total})", invoice=invoice.id
        )
    if settings.remainder is Remainder.BOOK_DIFFERENCE and amounts is None:
        allocations = tuple(
            Allocation(
                commitment=hit.commitment,
                line=hit.line,
                reference=hit.reference or None,
                delivery_note=hit.reference if hit.by_delivery_note else None,
                amount=hit.open_amount,
                handled=True,
                left=_ZERO,
            )
            for hit in hits
        )
        booked = sum((a.amount for a in allocations), _ZERO)
        return Matched(
            invoice=invoice,
            allocations=allocations,
            difference=total - booked,
            difference_account=settings.difference_account,
        )
    rest = total - given
    unpriced = [n for n, amount in enumerate(amounts or [None] * len(hits)) if amount is None]
    found = []
    for n, hit in enumerate(hits):
        amount = amounts[n] if amounts is not None else None
        if amount is None:
            amount = rest if n == unpriced[-1] else min(hit.open_amount, rest)
            rest -= amount
        if amount == 0:
            continue
        left = max(hit.open_amount - amount, _ZERO)
        handled = left == 0 or settings.remainder is not Remainder.LEAVE_OPEN
        found.append(
            Allocation(
                commitment=hit.commitment,
                line=hit.line,
                reference=hit.reference or None,
                delivery_note=hit.reference if hit.by_delivery_note else None,
                amount=amount,
                handled=handled,
                left=_ZERO if handled else left,
            )
        )
    booked = sum((a.amount for a in found), _ZERO)
    difference = total - booked
    account = settings.difference_account if difference else None
    return Matched(
        invoice=invoice, allocations=tuple(found), difference=difference, difference_account=account
    )
