"""Order types: which ones a target supports, and products that must exist in the target."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from koppel.errors import ConfigurationError, ValidationError
from koppel.records import Order, OrderLine, OrderType

__all__ = ["check_order_type_supported", "check_products_exist", "missing_products"]


def check_order_type_supported(
    order_type: OrderType | str,
    supported: Iterable[OrderType | str],
    *,
    system: str | None = None,
    flow: str | None = None,
) -> OrderType:
    """Refuse a flow whose order type the target does not support (``koppel check``).

    :param order_type: the type the flow creates.
    :param supported: what the target's ``supports_order_types`` answered.
    :return: ``order_type`` as an :class:`OrderType`.
    :raises ConfigurationError: naming the types the target does support, or the
        valid type names when ``order_type`` is not one.
    """
    try:
        wanted = OrderType(order_type)
    except ValueError:
        valid = ", ".join(t.value for t in OrderType)
        raise ConfigurationError(
            f"unknown order type {order_type!r}; valid types: {valid}",
            flow=flow,
            system=system,
            field="order_type",
        ) from None
    offered = {OrderType(t) for t in supported}
    if wanted not in offered:
        names = ", ".join(t.value for t in OrderType if t in offered) or "none"
        target = f"target {system}" if system else "the target"
        raise ConfigurationError(
            f"{target} does not support order type {wanted.value!r}; it supports: {names}",
            flow=flow,
            system=system,
            field="order_type",
        )
    return wanted


def _line_label(index: int, line: OrderLine) -> str:
    if line.sku and line.sku.strip():
        return line.sku.strip()
    if line.ean and line.ean.strip():
        return f"EAN {line.ean.strip()}"
    return f"line {index + 1} (no SKU or EAN)"


def missing_products(
    order: Order, *, known_skus: Collection[str], known_eans: Collection[str] = ()
) -> list[str]:
    """SKUs (or EANs, or line numbers without either) of order lines unknown in the target.

    A line is found when its SKU is in ``known_skus`` or its EAN in
    ``known_eans`` (both compared after trimming). Each missing product is
    named once, in line order.
    """
    skus = {s.strip() for s in known_skus}
    eans = {e.strip() for e in known_eans}
    missing: list[str] = []
    for index, line in enumerate(order.lines):
        sku = (line.sku or "").strip()
        ean = (line.ean or "").strip()
        if (sku and sku in skus) or (ean and ean in eans):
            continue
        label = _line_label(index, line)
        if label not in missing:
            missing.append(label)
    return missing


def check_products_exist(
    order: Order,
    *,
    known_skus: Collection[str],
    known_eans: Collection[str] = (),
    order_type: OrderType | None = None,
) -> None:
    """Fail an order whose products do not all exist in the target.

    Only quote, order, invoice and direct invoice need products
    (:attr:`OrderType.requires_products`); for sales invoices and financial
    mutations this does nothing.

    :param order_type: the type the flow creates; defaults to ``order.order_type``.
    :raises ValidationError: naming every missing SKU (``context["missing"]``).
    """
    kind = order_type or order.order_type
    if not kind.requires_products:
        return
    missing = missing_products(order, known_skus=known_skus, known_eans=known_eans)
    if missing:
        noun = "product" if len(missing) == 1 else "products"
        raise ValidationError(
            f"{len(missing)} {noun} not found in the target: {', '.join(missing)}",
            record=order.number or order.id,
            entity="orders",
            missing=missing,
        )
