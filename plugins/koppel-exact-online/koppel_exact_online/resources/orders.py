"""Orders: sales orders read through the Sync API (headers and lines); written per order
type (quotation, sales order, sales invoice, direct sales invoice, sales entry or financial
mutation)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

import attrs

from koppel.connector import OutboundMap
from koppel.errors import ConfigurationError
from koppel.records import OrderType
from koppel.sync import Direction, SourceRecord
from koppel_exact_online.booking import journal_entry_for, looks_like_order, sales_entry_lines
from koppel_exact_online.client import SYSTEM
from koppel_exact_online.cursors import FeedCursor
from koppel_exact_online.entity_sets import (
    ACCOUNTS,
    ORDER_TYPE_SETS,
    SALES_ORDER_HEADERS,
    EntitySet,
)
from koppel_exact_online.index import BATCH
from koppel_exact_online.order_reads import orders_cursor, read_orders
from koppel_exact_online.resources._base import Document
from koppel_exact_online.settings import ExactSettings

__all__ = ["Orders"]


class Orders(Document):
    entity = "orders"
    deletions = True  # sync/Deleted
    #: A financial mutation is found by its first line's description.
    match_keys = {"number": "YourRef"}
    description = (
        "sales orders (read from their headers' and lines' feeds); written per order type "
        + "(quotation, order, invoice, entry)"
    )

    @classmethod
    def order_types(cls, settings: ExactSettings | None) -> tuple[OrderType, ...]:
        """Every order type; a direct sales invoice (Type 8023) only with a ``warehouse`` set.

        :raises ConfigurationError: when the connection (with the flow's ``[settings]``, as
            ``koppel check`` and ``koppel run`` both build it) asks for ``direct_invoice``
            without a ``warehouse``, naming both.
        """
        if settings is None or settings.warehouse:
            return tuple(OrderType)
        if settings.order_type is OrderType.DIRECT_INVOICE:
            raise ConfigurationError(
                "order type 'direct_invoice' needs the setting `warehouse` (a warehouse guid, "
                + "under the flow's [settings] or the connection's settings) and the "
                + "Wholesale & Distribution or Manufacturing edition",
                system=SYSTEM,
                field="warehouse",
            )
        return tuple(t for t in OrderType if t is not OrderType.DIRECT_INVOICE)

    def target(self) -> EntitySet:
        return ORDER_TYPE_SETS[self.settings.order_type]

    def mapping_name(self, direction: Direction) -> str:
        """Outbound, the mapping of the connection's order type."""
        if direction is Direction.OUTBOUND:
            return f"{self.entity}.{self.settings.order_type.value}.outbound.toml"
        return super().mapping_name(direction)

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterator[SourceRecord]:
        """Sales orders deleted since ``cursor`` (``sync/Deleted``, entity type 32), then
        those changed, each whole with its customer's e-mail address
        (:func:`~koppel_exact_online.order_reads.read_orders`)."""
        return self.with_deletions(
            SALES_ORDER_HEADERS, orders_cursor(cursor), self.changes, second="lines"
        )

    def changes(self, position: FeedCursor) -> Iterator[SourceRecord]:
        """The orders changed since ``position``, with their customers' e-mail addresses."""
        records = iter(read_orders(self.client, position))
        while chunk := list(islice(records, BATCH)):
            ordering = [r.data.get("OrderedBy") for r in chunk if r.error is None]
            self.lookups.indexes[ACCOUNTS].find("ID", [a for a in ordering if a])
            for record in chunk:
                if record.error is None:
                    email = self.customer_email(record.data.get("OrderedBy"))
                    record = attrs.evolve(record, data={**record.data, "OrderedByEmail": email})
                yield record

    def customer_email(self, account_id: Any) -> str | None:
        """The e-mail address of the ordering account (``crm/Accounts.Email``, trimmed): the
        sales order rows have only its guid, so the accounts are looked up by id for
        :data:`~koppel_exact_online.index.BATCH` orders at once, or kept from earlier runs."""
        if not account_id:
            return None
        account = self.lookups.account_by_id(account_id)
        email = str((account or {}).get("Email") or "").strip()
        return email or None

    def map_outbound(self, request: OutboundMap) -> Mapping[str, Any] | None:
        """Refuse an order type Exact does not take here; book a financial mutation with
        :mod:`koppel.accounting`, then map the entry; give a sales entry's lines their VAT
        codes and revenue accounts from the flow's lookups (None: the datamapper maps the
        order)."""
        data = request.data
        wanted = data.get("order_type")
        if wanted and OrderType(wanted) not in self.order_types(self.settings):
            raise ConfigurationError(
                f"Exact Online does not take order type {OrderType(wanted).value!r} here; "
                + "direct_invoice needs the setting `warehouse` and the Wholesale & Distribution "
                + "or Manufacturing edition",
                system=SYSTEM,
                connection=self.session.connection.name,
                field="order_type",
            )
        if not looks_like_order(data) or not hasattr(request.mapping, "apply"):
            return None
        lookups = getattr(request.mapping, "lookups", None)
        if self.settings.order_type is OrderType.SALES_INVOICE:
            booked = sales_entry_lines(self.settings, data, lookups)
            return request.apply(booked, record_id=data.get("id"))
        if self.settings.order_type is not OrderType.FINANCIAL_MUTATION:
            return None
        entry = journal_entry_for(self.settings, data, lookups)
        return request.apply(entry, record_id=entry.get("reference"))
