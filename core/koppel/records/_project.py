"""Projects (*projecten*, *werken*): what commitments, hours and invoices are booked on."""

from __future__ import annotations

from datetime import date, datetime

import attrs

from koppel.records._party import Address


@attrs.frozen(kw_only=True)
class Project:
    """A project as a construction or project ERP keeps it (Exact Online Bouw, AFAS).

    ``number`` is the number users see and commitments and purchase invoices carry
    (``Commitment.project``); ``administration`` the company or division it belongs
    to; ``customer`` the source's id of the customer (principal, *opdrachtgever*);
    ``parent`` the id of the project it is a subproject of. ``status`` is the source's
    own word for it; ``closed`` says that status closes the project. ``modified_at``
    is its last change in the source.
    """

    id: str | None = None
    administration: str | None = None
    number: str | None = None
    name: str | None = None
    description: str | None = None
    reference: str | None = None
    status: str | None = None
    closed: bool = False
    customer: str | None = None
    customer_name: str | None = None
    parent: str | None = None
    address: Address | None = None
    start_date: date | None = None
    end_date: date | None = None
    modified_at: datetime | None = None
