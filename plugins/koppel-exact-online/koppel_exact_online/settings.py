"""A connection's settings, typed and described in one place.

``koppel check`` checks a flow's values against them offline, naming the key of
a bad one; ``koppel plugins show exact-online`` lists them.
"""

from __future__ import annotations

from typing import Literal

import attrs

from koppel.accounting import BookingSettings, JournalLevel
from koppel.connector import setting
from koppel.records import OrderType

__all__ = ["ExactSettings"]


@attrs.frozen
class ExactSettings(BookingSettings):
    """A connection's ``settings`` and ``credentials``, as its flow file gives them.

    The settings of financial mutations (``journal``, ``accounts``, ``rounding_*``,
    ``home_country``, ``oss``, ``company_currency``) are koppel's one account-plan
    shape (``docs/accounting.md``); :mod:`koppel.accounting` checks the accounts.
    """

    client_id: str = setting(
        secret=True, env="EXACT_CLIENT_ID", description="the app's client id (App Center)"
    )
    client_secret: str = setting(
        secret=True, env="EXACT_CLIENT_SECRET", description="the app's client secret"
    )
    redirect_uri: str | None = setting(
        default=None, description="the app's registered redirect URI"
    )
    region: Literal["nl", "be", "de", "uk", "us", "es", "fr"] = setting(
        default="nl", description="the host: start.exactonline.<region> (uk: .co.uk, us: .com)"
    )
    base_url: str | None = setting(default=None, description="overrides region (e.g. a sandbox)")
    division: int | None = setting(
        default=None, description="the company number; default: the user's current one (current/Me)"
    )
    order_type: OrderType = setting(default=OrderType.ORDER, description="what orders become")
    invoice_kind: Literal["sales", "purchase"] = setting(
        default="sales", description="invoices as sales entries or purchase entries"
    )
    warehouse: str | None = setting(
        default=None,
        description="warehouse guid: enables direct sales invoices (direct_invoice); stock "
        + "is then that warehouse's, else summed over every warehouse",
    )
    sales_journal: str | None = setting(
        default=None, description="sales journal of sales invoices and entries (mapping: 70)"
    )
    purchase_journal: str | None = setting(
        default=None, description="purchase journal of purchase entries (mapping: 60)"
    )
    journal: str = setting(default="90", description="general journal of financial mutations")
    journal_level: JournalLevel = setting(
        default=JournalLevel.RECOMMENDED, description="detail of a financial mutation"
    )
    default_debtor: str | None = setting(
        default=None, description="account code every financial mutation is booked on"
    )
