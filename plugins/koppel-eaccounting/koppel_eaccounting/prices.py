"""Unit prices as an eAccounting order or invoice draft reads them.

A document's ``IncludesVat`` is read-only: eAccounting sets it when the company
setting ``ShowPricesExclVatPC`` is on and the customer is a private person, and
then reads every row's ``UnitPrice`` as including VAT (S1, ``OrderApi``,
``CustomerInvoiceDraftApi``, ``OrderDryRunApi``). A row's ``UnitPrice`` takes 2
decimals for a domestic customer in the company's currency, 4 otherwise. So a
price is converted to the basis the document will have, then rounded half up.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

__all__ = ["PriceBasis", "price_basis", "unit_price"]

_HUNDRED = Decimal(100)


@attrs.frozen
class PriceBasis:
    """How a document reads its unit prices: including VAT or not, and their decimals."""

    gross: bool
    decimals: int


def price_basis(
    settings: Mapping[str, Any], customer: Mapping[str, Any], currency: Any
) -> PriceBasis:
    """The basis of a document for ``customer`` in ``currency``, from the company's
    ``settings`` (``GET /v2/companysettings``)."""
    gross = bool(settings.get("ShowPricesExclVatPC")) and bool(customer.get("IsPrivatePerson"))
    own_currency, own_country = settings.get("CurrencyCode"), settings.get("CountryCode")
    country = customer.get("InvoiceCountryCode")
    foreign = bool(currency and own_currency and str(currency) != str(own_currency)) or bool(
        country and own_country and str(country).strip() != str(own_country).strip()
    )
    return PriceBasis(gross=gross, decimals=4 if foreign else 2)


def unit_price(price: Decimal, rate: Decimal | None, *, gross: bool, basis: PriceBasis) -> Decimal:
    """``price`` (``gross``: including VAT at ``rate``) on ``basis``, rounded half up.

    ``rate`` is a fraction or a percentage (above 1); without one the price is not
    converted.
    """
    if rate is not None and gross != basis.gross:
        fraction = rate / _HUNDRED if rate > 1 else rate
        price = price / (1 + fraction) if gross else price * (1 + fraction)
    return price.quantize(Decimal(1).scaleb(-basis.decimals), ROUND_HALF_UP)
