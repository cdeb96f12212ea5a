"""The account-plan settings every connection that books has, typed once."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from koppel.connector import setting

__all__ = ["BookingSettings"]


@attrs.frozen
class BookingSettings:
    """Settings of a connection whose system books journal entries (AccountView journal
    pages, Exact Online financial mutations): the account plan that
    :func:`koppel.accounting.account_plan_from_settings` reads (``docs/accounting.md``).

    A system's settings class subclasses it; None means the plan's default.
    """

    accounts: Mapping[str, Any] = setting(
        default={},
        description="ledger accounts: debtor, revenue, vat, rounding, ... (docs/accounting.md)",
    )
    home_country: str | None = setting(default=None, description="country of the books (NL)")
    oss: bool | None = setting(default=None, description="EU One-Stop Shop (default true)")
    rounding_threshold: Decimal | None = setting(
        default=None, description="largest difference booked as rounding (0.05)"
    )
    rounding_mode: str | None = setting(default=None, description="how cents round (half_up)")
    company_currency: str | None = setting(
        default=None, description="book amounts in this company currency too (EUR)"
    )
