"""Commitments (*verplichtingen*) from AFAS and Exact Online Bouw."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs


@attrs.frozen(kw_only=True)
class CommitmentLine:
    """One line of a commitment (Exact Online Bouw keeps amounts per line).

    ``handled`` says a booking marked the line done: its open amount is then 0
    and it matches no further invoice.
    """

    id: str | None = None
    number: str | None = None
    description: str | None = None
    gl_account: str | None = None
    cost_type: str | None = None
    delivery_notes: tuple[str, ...] = ()
    amount: Decimal = Decimal(0)
    open_amount: Decimal = Decimal(0)
    handled: bool = False


@attrs.frozen(kw_only=True)
class Commitment:
    """A commitment with its open amount.

    Purchase invoices are matched to commitments by ``code``, ``internal_reference``
    or ``external_reference`` (AFAS) or by a number in ``delivery_notes``
    (*leverbon*, Exact Online Bouw); a match also needs the same ``gl_account``.
    ``administration`` is the company or environment it belongs to; ``status`` is
    the source's own word for it (open, partly received, closed); ``modified_at``
    its last change in the source. ``lines`` are empty where the source keeps one
    amount per commitment (AFAS).
    """

    id: str | None = None
    administration: str | None = None
    code: str | None = None
    internal_reference: str | None = None
    external_reference: str | None = None
    delivery_notes: tuple[str, ...] = ()
    gl_account: str | None = None
    amount: Decimal = Decimal(0)
    open_amount: Decimal = Decimal(0)
    project: str | None = None
    cost_centre: str | None = None
    supplier: str | None = None
    supplier_name: str | None = None
    description: str | None = None
    currency: str = "EUR"
    status: str | None = None
    handled: bool = False
    modified_at: datetime | None = None
    lines: tuple[CommitmentLine, ...] = ()


@attrs.frozen(kw_only=True)
class CommitmentBooking:
    """A purchase invoice's amount booked against one commitment (line).

    Written to the system that holds the commitment (Exact Online Bouw) so that
    it lowers the open amount; ``handled`` says the commitment (line) is done:
    its open amount becomes 0 and it matches no further invoice.
    """

    id: str | None = None
    commitment: str | None = None
    line: str | None = None
    invoice_number: str | None = None
    supplier: str | None = None
    delivery_note: str | None = None
    gl_account: str | None = None
    description: str | None = None
    amount: Decimal = Decimal(0)
    currency: str = "EUR"
    handled: bool = False
    booked_on: date | None = None
