"""Orders, written once: as sales orders (``FbSales``) or quotations (*verkoopoffertes*,
``FbSalesQuotation``), found by the source's order number in their reference ``RfCs``;
or as financial mutations (*memoriaalboekingen*) booked by core's accounting rules at
the connection's ``journal_level`` and posted through ``FiEntries`` (found by voucher
number ``BpNr``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from koppel.accounting import account_plan_from_settings, journal_entry_from_order
from koppel.connector import OutboundMap
from koppel.errors import ConfigurationError, UncertainOutcomeError, ValidationError
from koppel.records import Order, OrderType, structure
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult, one_match
from koppel_afas.bodies import sales_order_body
from koppel_afas.booking import entry_payload, post_entry, sample_entry
from koppel_afas.client import SYSTEM
from koppel_afas.resources._base import PLACEHOLDER, AfasResource, filled

__all__ = ["ORDER_TYPES", "Orders"]

#: What an order becomes: a sales order (FbSales), a quotation (FbSalesQuotation) or a
#: financial mutation (FiEntries).
ORDER_TYPES = (OrderType.QUOTE, OrderType.ORDER, OrderType.FINANCIAL_MUTATION)
#: Per document order type: its UpdateConnector, the GetConnector role it is found in, and
#: that GetConnector's key (the number AFAS gives it).
DOCUMENTS = {
    OrderType.ORDER: ("FbSales", "salesorders", "OrderNumber"),
    OrderType.QUOTE: ("FbSalesQuotation", "salesquotations", "QuotationNumber"),
}


class Orders(AfasResource):
    """Sales orders (or quotations: ``order_type = "quote"``) to a debtor found by number
    or e-mail, numbered by AFAS; or journal entries booking them (``order_type =
    "financial_mutation"``)."""

    entity = "orders"
    role = "salesorders"
    update_connectors = ("FbSales",)
    description = (
        "sales orders (verkooporders), quotations (offertes) or financial mutations, "
        "by order number"
    )
    match_keys = {"number": "Reference"}
    update = False

    @classmethod
    def order_types(cls, settings: Any | None) -> Iterable[OrderType]:
        return ORDER_TYPES

    @property
    def books(self) -> bool:
        """True when the connection books orders as financial mutations."""
        return bool(self.settings.order_type is OrderType.FINANCIAL_MUTATION)

    @property
    def document(self) -> tuple[str, str, str]:
        """The UpdateConnector, GetConnector role and key of what the connection writes
        (a sales order, or a quotation with ``order_type = "quote"``)."""
        kind = OrderType.QUOTE if self.settings.order_type is OrderType.QUOTE else OrderType.ORDER
        return DOCUMENTS[kind]

    def reads_from(self) -> tuple[str, ...]:
        return ("journal_entries",) if self.books else (self.document[1],)

    def writes_through(self) -> tuple[str, ...]:
        return ("FiEntries",) if self.books else (self.document[0],)

    def sample_bodies(
        self, own: Sequence[str], lines: Sequence[str]
    ) -> Mapping[str, Mapping[str, Any]]:
        """A sales order with its debtor and a line (an article), or a booked order's
        entry (built by core's accounting rules, not by the mapping)."""
        if self.books:
            return {"FiEntries": sample_entry(self.settings)}
        connector = self.document[0]
        order = filled(own, DbId=PLACEHOLDER)
        if self.settings.warehouse:
            order["War"] = PLACEHOLDER
        line = filled(lines, VaIt="2", BiUn=PLACEHOLDER)
        return {connector: sales_order_body(order, [line], connector)}

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Sales orders (or quotations) by reference, or (booked orders) journal entries by
        voucher number; several for one number are ambiguous, oldest first."""
        if self.books:
            return self.entries(values)
        _, role, key = self.document
        found: dict[str, list[dict[str, Any]]] = {}
        for row in self.lookup(role, "Reference", values):
            found.setdefault(str(row.get("Reference") or "").strip(), []).append(row)
        answer: dict[str, TargetRecord | Ambiguous] = {}
        for value in values:
            rows = sorted(found.get(str(value).strip(), []), key=lambda r: str(r[key]))
            match = one_match(
                TargetRecord(id=str(r[key]), data={"RfCs": r.get("Reference")}) for r in rows
            )
            if match is not None:
                answer[value] = match
        return answer

    def map_outbound(self, request: OutboundMap) -> Mapping[str, Any] | None:
        """A booked order (the connection's ``order_type`` is financial_mutation, which a
        flow's ``order_type`` sets): its journal entry at ``journal_level``
        (:mod:`koppel.accounting`: balanced in every currency, rounding within the
        threshold), as the payload of :func:`~koppel_afas.booking.post_entry`; a sales
        order: None (the mapping)."""
        data = request.data
        wanted = str(data.get("order_type") or "")
        if wanted and wanted not in ORDER_TYPES:
            return None  # upsert refuses it, naming the type
        written = "quotations" if self.document[0] == "FbSalesQuotation" else "sales orders"
        if wanted in (OrderType.FINANCIAL_MUTATION, OrderType.QUOTE) and (
            wanted != self.settings.order_type
        ):
            raise ValidationError(
                f"the order is a {wanted}, but the flow writes AFAS "
                f"{'financial mutations' if self.books else written}: give the flow "
                f'order_type = "{wanted}"',
                field="order_type",
                record=data.get("number"),
            )
        if not self.books:
            return None
        order = structure(dict(data), Order)
        lookups = getattr(request.mapping, "lookups", None)
        plan = account_plan_from_settings(
            attrs.asdict(self.settings), lookups=lookups, system=SYSTEM
        )
        customer = order.customer
        relation = self.settings.default_debtor or (
            customer and (customer.debtor_number or customer.email)
        )
        entry = journal_entry_from_order(
            order, plan, self.settings.journal_level, relation=relation or None
        )
        return {"_order_type": str(OrderType.FINANCIAL_MUTATION), **entry_payload(entry)}

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Insert (POST) a sales order or quotation with its lines, or post a booked order's
        entry.

        :raises ValidationError: for an order type AFAS does not take from koppel, or a
            customer that is no single debtor; before anything is written.
        """
        context: dict[str, Any] = {
            "entity": self.entity,
            "record": payload.get("RfCs") or payload.get("BpNr"),
        }
        order_type = str(payload.get("_order_type") or OrderType.ORDER)
        if order_type not in ORDER_TYPES:
            raise ValidationError(
                "AFAS takes orders as sales orders, quotations or financial mutations, not as "
                f"{order_type}",
                field="order_type",
                **context,
            )
        if action is not Action.CREATE:
            raise ConfigurationError("orders are written once, never updated", **context)
        if order_type == OrderType.FINANCIAL_MUTATION:
            return post_entry(self, payload, context)
        customer = payload.get("_debtor") or payload.get("_customer_email")
        if not customer:
            raise ValidationError(
                "the order names no customer (debtor number or e-mail address)",
                field="customer",
                **context,
            )
        body = {k: v for k, v in payload.items() if k != "Lines"}
        body["DbId"] = self.debtor_number(str(customer), context)
        if self.settings.warehouse and "War" not in body:
            body["War"] = self.settings.warehouse
        lines = [
            {"VaIt": "2", "BiUn": self.settings.unit, **line} for line in payload.get("Lines") or ()
        ]
        connector = self.document[0]
        results = self.client.insert(
            connector, sales_order_body(body, lines, connector), context=context
        )
        number = results.get(connector, {}).get("OrNu")
        if not number:
            raise UncertainOutcomeError(f"AFAS answered {connector} without its OrNu", **context)
        return WriteResult(target_id=str(number), response=results)
