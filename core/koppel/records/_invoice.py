"""Sales invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from koppel.records._party import Customer


@attrs.frozen(kw_only=True)
class InvoiceLine:
    """One invoice line; ``sku`` is empty on a sales invoice booked on default accounts."""

    description: str | None = None
    sku: str | None = None
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = Decimal(0)
    vat_rate: Decimal | None = None
    vat_code: str | None = None
    gl_account: str | None = None
    total: Decimal | None = None


@attrs.frozen(kw_only=True)
class Invoice:
    """A sales invoice with the source's totals."""

    id: str | None = None
    number: str | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    customer: Customer | None = None
    lines: tuple[InvoiceLine, ...] = ()
    currency: str = "EUR"
    total_excl_vat: Decimal | None = None
    total_vat: Decimal | None = None
    total_incl_vat: Decimal | None = None
    order_number: str | None = None
    status: str | None = None
    custom: dict[str, Any] = attrs.field(factory=dict)
