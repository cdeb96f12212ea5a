"""One resource per entity Exact Online reads or writes; core dispatches each hook to them."""

from __future__ import annotations

from koppel_exact_online.resources.customers import Customers
from koppel_exact_online.resources.invoices import Invoices
from koppel_exact_online.resources.journal_entries import JournalEntries
from koppel_exact_online.resources.orders import Orders
from koppel_exact_online.resources.products import Products
from koppel_exact_online.resources.purchase_invoices import PurchaseInvoices
from koppel_exact_online.resources.relations import Relations
from koppel_exact_online.resources.stock import Stock

__all__ = [
    "Customers",
    "Invoices",
    "JournalEntries",
    "Orders",
    "Products",
    "PurchaseInvoices",
    "Relations",
    "Stock",
]
