"""How detailed a financial mutation is, and the account plan it is booked on."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import attrs

from koppel.accounting._reconcile import DEFAULT_ROUNDING_THRESHOLD
from koppel.accounting._tables import RevenueAccountTable, VatCodeTable, _rate_key
from koppel.errors import ConfigurationError
from koppel.records import CostKind, to_decimal

__all__ = ["AccountPlan", "JournalLevel"]


class JournalLevel(enum.StrEnum):
    """Detail of a financial mutation (*memoriaalboeking*), from least to most."""

    #: One line with the order total against the debtor, on one revenue account.
    SIMPLE = "simple"
    #: Revenue and VAT split, one revenue and one VAT line per VAT rate.
    RECOMMENDED = "recommended"
    #: As recommended, plus one line per cost kind (shipping, fees, discounts) and rate.
    ADVANCED = "advanced"
    #: One line per order line and per cost line; VAT still per rate.
    EXTREME = "extreme"


def _threshold(value: object) -> Decimal:
    amount = to_decimal(value)
    if amount < 0:
        raise ConfigurationError(
            f"rounding threshold must not be negative, got {amount}", field="rounding_threshold"
        )
    return amount


def _rate_rows(rows: Mapping[Decimal | int | str, str]) -> dict[str, str]:
    return {_rate_key(rate): account for rate, account in rows.items()}


@attrs.frozen(kw_only=True)
class AccountPlan:
    """The ledger accounts and settings a financial mutation is booked with.

    Revenue goes to ``revenue_accounts`` (per country) when given, else to
    ``revenue_accounts_by_rate`` for the line's VAT rate, else to
    ``revenue_account``. Shipping, fees and discounts go to their own
    account when set, else where revenue of their rate goes. VAT codes come
    from ``vat_codes`` (rate and country) when given, else from the source's
    lines. VAT is booked on ``vat_accounts[code]``, else ``vat_account``.

    With ``company_currency`` set, an order in another currency needs an
    exchange rate (company amount = amount x ``Order.exchange_rate``) and each
    line gets its company-currency amount.
    """

    debtor_account: str
    revenue_account: str
    vat_account: str
    rounding_account: str
    revenue_accounts: RevenueAccountTable | None = None
    revenue_accounts_by_rate: Mapping[str, str] = attrs.field(factory=dict, converter=_rate_rows)
    vat_codes: VatCodeTable | None = None
    vat_accounts: Mapping[str, str] = attrs.field(factory=dict)
    shipping_account: str | None = None
    fee_account: str | None = None
    discount_account: str | None = None
    rounding_threshold: Decimal = attrs.field(
        default=DEFAULT_ROUNDING_THRESHOLD, converter=_threshold
    )
    rounding: str = ROUND_HALF_UP
    journal: str | None = None
    home_country: str = "NL"
    oss: bool = True
    company_currency: str | None = None

    def cost_account(self, kind: CostKind) -> str | None:
        """The account set for a cost kind, or None to book it as revenue."""
        return {
            CostKind.SHIPPING: self.shipping_account,
            CostKind.FEE: self.fee_account,
            CostKind.DISCOUNT: self.discount_account,
        }[kind]

    def revenue_account_for(self, rate: Decimal | None, country: str) -> str:
        """Revenue account for a VAT rate (None: any) and tax country.

        :raises RecordError: when ``revenue_accounts`` has no row for ``country``.
        """
        if self.revenue_accounts is not None:
            return self.revenue_accounts.lookup(country)
        if rate is not None:
            return self.revenue_accounts_by_rate.get(_rate_key(rate), self.revenue_account)
        return self.revenue_account
