"""An AccountView connection's settings, typed and described in one place.

``koppel check`` checks a flow's values against them offline, naming the key of a
bad one; ``koppel plugins show accountview`` lists them. The account plan of
journal pages (``accounts``, ``home_country``, ``oss``, ``rounding_threshold``,
``rounding_mode``, ``company_currency``) is core's one shape, read by
:func:`koppel.accounting.account_plan_from_settings` (``docs/accounting.md``).
"""

from __future__ import annotations

from typing import Literal

import attrs

from koppel.accounting import BookingSettings
from koppel.connector import setting
from koppel_accountview import schema


@attrs.frozen
class AccountViewSettings(BookingSettings):
    """A connection's ``settings`` and ``credentials``, as its flow file gives them."""

    company: str = setting(description="company code (X-Company)")
    client_id: str = setting(description="API key of the registered app")
    client_secret: str | None = setting(
        default=None,
        secret=True,
        env="ACCOUNTVIEW_CLIENT_SECRET",
        description="API secret of the app",
    )
    redirect_uri: str | None = setting(default=None, description="redirect URI of the app")
    authorize_url: str = setting(
        default=schema.AUTHORIZE_URL, description="where the user grants access"
    )
    base_url: str | None = setting(default=None, description="API root (default the live host)")
    test: bool = setting(default=False, description="use test.accountview.net")
    page_size: int = setting(default=schema.PAGE_SIZE, description="rows per read")
    default_debtor: str | None = setting(
        default=None, description="book every order on this debtor"
    )
    debtor_number_start: int = setting(
        default=10000, description="new debtors get the next free number from here"
    )
    debtor_account: str = setting(
        default=schema.DEFAULT_DEBTOR_ACCOUNT, description="collective account of new debtors"
    )
    creditor_account: str = setting(
        default=schema.DEFAULT_CREDITOR_ACCOUNT,
        description="collective account of new creditors (relations flows)",
    )
    shipping_article: str = setting(
        default=schema.DEFAULT_SHIPPING_ARTICLE, description="article of shipping cost lines"
    )
    fee_article: str = setting(
        default=schema.DEFAULT_FEE_ARTICLE, description="article of fee lines"
    )
    sales_journal: str = setting(
        default=schema.DEFAULT_SALES_JOURNAL, description="journal of sales invoices"
    )
    memorial_journal: str = setting(
        default=schema.DEFAULT_MEMORIAL_JOURNAL, description="journal of financial mutations"
    )
    journal_level: Literal["simple", "recommended", "advanced", "extreme"] = setting(
        default="recommended", description="detail of financial mutations"
    )
    invoice_level: Literal["simple", "recommended", "advanced", "extreme"] = setting(
        default="recommended", description="detail of sales invoices"
    )

    @property
    def api_root(self) -> str:
        """``base_url``, or the test or live host."""
        if self.base_url:
            return self.base_url.rstrip("/")
        return schema.TEST_API_BASE if self.test else schema.API_BASE
