"""Orders, their lines and costs, and the six order types."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from koppel.records._party import Address, Customer


class OrderType(enum.StrEnum):
    """What a flow creates in the target for an order."""

    QUOTE = "quote"
    ORDER = "order"
    INVOICE = "invoice"
    DIRECT_INVOICE = "direct_invoice"
    SALES_INVOICE = "sales_invoice"
    FINANCIAL_MUTATION = "financial_mutation"

    @property
    def requires_products(self) -> bool:
        """True when every order line's product must exist in the target."""
        return self in _TYPES_WITH_PRODUCTS


_TYPES_WITH_PRODUCTS = frozenset(
    {OrderType.QUOTE, OrderType.ORDER, OrderType.INVOICE, OrderType.DIRECT_INVOICE}
)


class VatCalculation(enum.StrEnum):
    """How the source computed VAT: per line, or once on the order total per rate."""

    PER_LINE = "per_line"
    PER_TOTAL = "per_total"


class CostKind(enum.StrEnum):
    """Kinds of order costs that are not articles."""

    SHIPPING = "shipping"
    FEE = "fee"
    DISCOUNT = "discount"


@attrs.frozen(kw_only=True)
class OrderLine:
    """One order line. ``unit_price`` includes VAT when the order says so.

    ``vat_rate`` is a percentage (``21`` for 21 %), never a fraction.
    """

    sku: str | None = None
    ean: str | None = None
    description: str | None = None
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = Decimal(0)
    discount_percentage: Decimal = Decimal(0)
    vat_rate: Decimal | None = None
    vat_code: str | None = None
    vat_amount: Decimal | None = None
    total: Decimal | None = None


@attrs.frozen(kw_only=True)
class CostLine:
    """Shipping, a fee or a discount on an order; a discount has a negative amount.

    ``vat_rate`` is a percentage (``21`` for 21 %).
    """

    kind: CostKind
    amount: Decimal
    description: str | None = None
    vat_rate: Decimal | None = None
    vat_code: str | None = None


@attrs.frozen(kw_only=True)
class Order:
    """A sales order as it came from the source, with the source's own totals."""

    id: str | None = None
    number: str | None = None
    order_type: OrderType = OrderType.ORDER
    status: str | None = None
    order_date: date | None = None
    customer: Customer | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    lines: tuple[OrderLine, ...] = ()
    costs: tuple[CostLine, ...] = ()
    payment_method: str | None = None
    payment_terms: str | None = None
    shipping_method: str | None = None
    currency: str = "EUR"
    exchange_rate: Decimal | None = None
    prices_include_vat: bool = False
    vat_calculation: VatCalculation = VatCalculation.PER_LINE
    total_excl_vat: Decimal | None = None
    total_vat: Decimal | None = None
    total_incl_vat: Decimal | None = None
    reference: str | None = None
    custom: dict[str, Any] = attrs.field(factory=dict)
