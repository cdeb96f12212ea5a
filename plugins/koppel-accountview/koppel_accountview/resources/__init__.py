"""AccountView's entities, one resource each; core dispatches every hook to them."""

from koppel_accountview.resources.customers import Customers
from koppel_accountview.resources.journal_entries import JournalEntries
from koppel_accountview.resources.orders import Orders
from koppel_accountview.resources.products import Products
from koppel_accountview.resources.relations import Relations
from koppel_accountview.resources.stock import Stock

__all__ = ["Customers", "JournalEntries", "Orders", "Products", "Relations", "Stock"]
