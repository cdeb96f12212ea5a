"""A connection's settings, typed and described in one place.

``koppel check`` checks a flow's values against them offline, naming the key of
a bad one; ``koppel plugins show exact-bouw`` lists them.
"""

from __future__ import annotations

import attrs

from koppel.connector import setting
from koppel_exact_bouw.facts import BASE_URL, MAX_PAGE_SIZE

__all__ = ["ExactBouwSettings"]


@attrs.frozen
class ExactBouwSettings:
    """A connection's ``settings`` and ``credentials``, as its flow file gives them."""

    api_key: str = setting(
        secret=True,
        env="EXACT_BOUW_API_KEY",
        description="the API key Bouw7 issued for the application",
    )
    application: str = setting(
        description="the application name the API key belongs to ({app} in the login path)"
    )
    base_url: str = setting(default=BASE_URL, description="the API's root URL")
    page_size: int = setting(
        default=500, description=f"records per request (LIMIT), 1 to {MAX_PAGE_SIZE}"
    )
    vat_tariff_id: int | None = setting(
        default=None,
        description="VAT tariff id of booking lines (required to write commitment_bookings)",
    )
    invoice_lines: bool = setting(
        default=True,
        description="read each purchase invoice's lines (one call per invoice read)",
    )
    invoice_status: int = setting(
        default=0, description="status of a booking's purchase invoice (0 = New)"
    )
    creditor_contact_type: str = setting(
        default="supplier", description="contact type (name) of a relation of kind creditor"
    )
    debtor_contact_type: str = setting(
        default="customer", description="contact type (name) of a relation of kind debtor"
    )
