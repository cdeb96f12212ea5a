"""Products (articles) and stock levels."""

from __future__ import annotations

from decimal import Decimal

import attrs


@attrs.frozen(kw_only=True)
class Product:
    """An article, matched across systems by SKU or EAN/GTIN.

    ``attributes`` holds custom item attributes (size, colour, country of
    origin, lead time, ...) that operators map by hand. ``vat_rate`` is a
    percentage (``21`` for 21 %).
    """

    id: str | None = None
    sku: str | None = None
    ean: str | None = None
    name: str | None = None
    short_description: str | None = None
    long_description: str | None = None
    price_excl_vat: Decimal | None = None
    price_incl_vat: Decimal | None = None
    vat_code: str | None = None
    vat_rate: Decimal | None = None
    currency: str | None = None
    unit: str | None = None
    active: bool = True
    attributes: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class StockLevel:
    """Stock of one article: on hand, reserved for sales orders, and available."""

    sku: str
    on_hand: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)
    available: Decimal | None = None
    warehouse: str | None = None
    product_id: str | None = None
