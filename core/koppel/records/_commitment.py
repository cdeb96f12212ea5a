"""Commitments (*verplichtingen*) from AFAS and Exact Online Bouw."""

from __future__ import annotations

from decimal import Decimal

import attrs


@attrs.frozen(kw_only=True)
class Commitment:
    """A commitment with its open amount.

    Purchase invoices are matched to commitments by ``code``, ``internal_reference``
    or ``external_reference`` (AFAS) or by ``delivery_note`` (*leverbon*, Exact
    Online Bouw); a match also needs the same ``gl_account``.
    """

    id: str | None = None
    code: str | None = None
    internal_reference: str | None = None
    external_reference: str | None = None
    delivery_note: str | None = None
    gl_account: str | None = None
    amount: Decimal = Decimal(0)
    open_amount: Decimal = Decimal(0)
    project: str | None = None
    supplier: str | None = None
    description: str | None = None
    currency: str = "EUR"
    handled: bool = False
