"""VAT codes and revenue accounts per country: the operator's lookup tables, and EU OSS.

Under the EU One-Stop Shop scheme a sale shipped to a consumer in another EU
country is taxed at that country's rate and booked on that country's ledger;
:func:`tax_country` decides which country an order's lines are looked up for.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import attrs

from koppel.errors import ConfigurationError, RecordError
from koppel.records import Order

__all__ = ["EU_COUNTRIES", "WILDCARD", "RevenueAccountTable", "VatCodeTable", "tax_country"]

#: EU member states (ISO 3166-1 alpha-2; Greece as ``GR``, VIES uses ``EL``).
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

#: A table key of ``"*"`` matches any country; an exact row wins over it.
WILDCARD = "*"


def _country(value: str) -> str:
    code = value.strip().upper()
    if code == "EL":  # VIES spells Greece EL
        return "GR"
    return code


def _rate_key(rate: Decimal | int | str) -> str:
    """``21``, ``"21.0"`` and ``Decimal("21.00")`` are one key: ``"21"``."""
    try:
        value = Decimal(str(rate).strip())
    except ArithmeticError:
        raise ConfigurationError(f"VAT rate {rate!r} is not a number") from None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _vat_rows(rows: Mapping[tuple[Decimal | int | str, str], str]) -> dict[tuple[str, str], str]:
    return {(_rate_key(rate), _country(country)): code for (rate, country), code in rows.items()}


def _country_rows(rows: Mapping[str, str]) -> dict[str, str]:
    return {_country(country): account for country, account in rows.items()}


@attrs.frozen
class VatCodeTable:
    """VAT rate and country to the target's VAT code (*btw-code*).

    >>> table = VatCodeTable({(21, "NL"): "H", (9, "NL"): "L", (0, "*"): "GV"})
    >>> table.lookup(Decimal("21.00"), "nl"), table.lookup(0, "US")
    ('H', 'GV')
    """

    rows: Mapping[tuple[str, str], str] = attrs.field(converter=_vat_rows)
    name: str = "vat_codes"

    def lookup(self, rate: Decimal | int | str, country: str) -> str:
        """The VAT code for ``rate`` in ``country``.

        :raises RecordError: naming the table and the key when no row matches.
        """
        key = (_rate_key(rate), _country(country))
        code = self.rows.get(key) or self.rows.get((key[0], WILDCARD))
        if code is None:
            raise RecordError(
                f"table {self.name} has no row for VAT rate {key[0]}% in country {key[1]}",
                table=self.name,
                key=f"{key[0]}|{key[1]}",
            )
        return code


@attrs.frozen
class RevenueAccountTable:
    """Country to revenue account (*omzetrekening per land*).

    >>> RevenueAccountTable({"NL": "8000", "*": "8100"}).lookup("BE")
    '8100'
    """

    rows: Mapping[str, str] = attrs.field(converter=_country_rows)
    name: str = "revenue_accounts"

    def lookup(self, country: str) -> str:
        """The revenue account for ``country``.

        :raises RecordError: naming the table and the key when no row matches.
        """
        key = _country(country)
        account = self.rows.get(key) or self.rows.get(WILDCARD)
        if account is None:
            raise RecordError(
                f"table {self.name} has no row for country {key}", table=self.name, key=key
            )
        return account


def tax_country(order: Order, *, home_country: str, oss: bool = True) -> str:
    """The country whose VAT code and revenue account apply to ``order``.

    The destination is the shipping address's country, else the billing
    address's, else the customer's, else ``home_country``. A domestic order
    and, without ``oss``, an order to another EU country use ``home_country``;
    with ``oss`` an order to another EU country uses that country; an export
    outside the EU uses the destination (its rows are usually 0% and a
    ``"*"`` row).
    """
    home = _country(home_country)
    destination = _destination(order) or home
    if destination == home:
        return home
    if destination in EU_COUNTRIES and not oss:
        return home
    return destination


def _destination(order: Order) -> str | None:
    customer = order.customer
    for address in (
        order.shipping_address,
        order.billing_address,
        customer.shipping_address if customer else None,
        customer.billing_address if customer else None,
    ):
        if address is not None and address.country and address.country.strip():
            return _country(address.country)
    return None
