"""Invoices without articles: sales entries, or with ``invoice_kind = "purchase"`` purchase
entries."""

from __future__ import annotations

from koppel.sync import Direction
from koppel_exact_online.entity_sets import PURCHASE_ENTRIES, SALES_ENTRIES, EntitySet
from koppel_exact_online.resources._base import Document

__all__ = ["Invoices"]


class Invoices(Document):
    entity = "invoices"
    match_keys = {"number": "YourRef"}
    description = (
        "invoices without articles: sales entries (salesentry/SalesEntries), or with "
        "invoice_kind = purchase, purchase entries (purchaseentry/PurchaseEntries)"
    )

    def target(self) -> EntitySet:
        return PURCHASE_ENTRIES if self.settings.invoice_kind == "purchase" else SALES_ENTRIES

    def mapping_name(self, direction: Direction) -> str:
        return f"{self.entity}.{self.settings.invoice_kind}.{Direction(direction).value}.toml"
