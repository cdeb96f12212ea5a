"""Business rules the engine applies to canonical records before deciding anything.

Orders: the flow's status filter, enrichment, order type, debtor (default
debtor or the shaped customer) and, for order types that need them, products
that must exist in the target: checked only for the orders a run writes
(looked up in batches, cached per run), after the decision that they change.
Customers are shaped into debtors; stock levels get the quantity the flow's
stock formula says. Ordering keys keep dependent writes in sequence (two
orders of one new customer).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from koppel.accounting import (
    CustomerSettings,
    StatusFilter,
    StockSettings,
    check_products_exist,
    debtor_for_order,
    enrich_order,
    shape_debtor,
    stock_to_send,
)
from koppel.errors import ValidationError
from koppel.flows import Flow
from koppel.records import Customer, Order, OrderType, StockLevel, evolve
from koppel.sync import Connection
from koppel.system import SystemInfo

__all__ = ["RecordRules"]


class RecordRules:
    """The rules of one flow run: :meth:`apply` per record; :meth:`check_products` of the
    records that will be written."""

    def __init__(
        self, flow: Flow, *, target_hooks: Any, target: Connection, target_info: SystemInfo
    ) -> None:
        self.flow = flow
        self._hooks = target_hooks
        self._target = target
        extra = flow.settings.extra
        self.status = StatusFilter(flow.filters.get("status"))
        self.customers = CustomerSettings(default_debtor=flow.settings.default_debtor)
        self.enrichment: dict[str, Any] = dict(extra.get("enrichment") or {})
        self.order_type = OrderType(flow.order_type) if flow.order_type else None
        stock = extra.get("stock") or {}
        self.stock = StockSettings(**stock) if stock else StockSettings()
        products = target_info.entity("products")
        self._product_keys = [k for k in ("sku", "ean") if products and k in products.match_keys]
        self._known: dict[str, set[str]] = {key: set() for key in self._product_keys}
        self._unknown: dict[str, set[str]] = {key: set() for key in self._product_keys}

    @property
    def checks_products(self) -> bool:
        """True when order lines are checked against the target's products."""
        wanted = self.order_type or OrderType.ORDER
        return (
            self.flow.entity == "orders" and wanted.requires_products and bool(self._product_keys)
        )

    def check_products(self, records: Sequence[Any]) -> list[Exception | None]:
        """Per record about to be written: the error naming its products the target lacks,
        or None. The products are looked up in one batch per match key, once per run."""
        if not self.checks_products:
            return [None] * len(records)
        self._look_up_products(records)
        known_skus, known_eans = self._known.get("sku", set()), self._known.get("ean", set())
        problems: list[Exception | None] = []
        for record in records:
            try:
                if isinstance(record, Order):
                    check_products_exist(record, known_skus=known_skus, known_eans=known_eans)
            except ValidationError as exc:
                problems.append(exc)
            else:
                problems.append(None)
        return problems

    def _look_up_products(self, records: Sequence[Any]) -> None:
        for key in self._product_keys:
            values = {
                str(getattr(line, key)).strip()
                for record in records
                if isinstance(record, Order)
                for line in record.lines
                if getattr(line, key)
            }
            todo = sorted(values - self._known[key] - self._unknown[key])
            if not todo:
                continue
            found = self._hooks.find_existing(
                connection=self._target, entity="products", match_key=key, values=todo
            )
            hits = {str(value).strip() for value in (found or {})}
            self._known[key] |= hits
            self._unknown[key] |= set(todo) - hits

    def apply(self, record: Any) -> tuple[Any, str | None]:
        """The record with the rules applied, and a reason to skip it (or None).

        :raises ValidationError: naming the field when the record breaks a rule.
        """
        if isinstance(record, Order):
            return self._order(record)
        if isinstance(record, Customer) and self.flow.entity == "customers":
            return shape_debtor(record), None
        if isinstance(record, StockLevel):
            quantity = stock_to_send(record, self.stock)
            if quantity is None:
                return record, "the target keeps no stock"
            return evolve(record, available=quantity), None
        return record, None

    def _order(self, order: Order) -> tuple[Any, str | None]:
        if not self.status.accepts(order):
            return order, f"status {order.status!r} is not in the flow's filter"
        if self.order_type is not None and order.order_type is not self.order_type:
            order = evolve(order, order_type=self.order_type)
        order = enrich_order(order, self.enrichment)
        customer = debtor_for_order(order, self.customers)
        if customer is not order.customer:  # shaping returns a debtor that needs none as it is
            order = evolve(order, customer=customer)
        return order, None

    def order_keys(self, record: Any) -> tuple[Hashable, ...]:
        """Keys of records whose writes must not overlap with this one's (same debtor)."""
        if isinstance(record, Order) and record.customer is not None:
            customer = record.customer
            key = customer.email or customer.debtor_number or customer.id
            if key and not self.customers.default_debtor:
                return (("debtor", key),)
        return ()
