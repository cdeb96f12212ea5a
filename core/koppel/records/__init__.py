"""Canonical records: the hub every connector maps to and from.

Records are frozen attrs classes; money is :class:`~decimal.Decimal`, dates are
:class:`~datetime.date` and timezone-aware :class:`~datetime.datetime`. Build them
with :func:`structure`, change them with :func:`evolve` (as :func:`attrs.evolve`, faster).
"""

from koppel.records._codegen import evolve
from koppel.records._commitment import Commitment, CommitmentBooking, CommitmentLine
from koppel.records._converter import (
    make_converter,
    structure,
    to_date,
    to_datetime,
    to_decimal,
    unstructure,
)
from koppel.records._invoice import Invoice, InvoiceLine
from koppel.records._journal import JournalEntry, JournalLine, JournalLineKind
from koppel.records._order import CostKind, CostLine, Order, OrderLine, OrderType, VatCalculation
from koppel.records._party import Address, Contact, Customer, Relation, RelationKind
from koppel.records._product import Product, StockLevel
from koppel.records._project import Project
from koppel.records._purchase import (
    Creditor,
    PurchaseInvoice,
    PurchaseInvoiceKind,
    PurchaseInvoiceLine,
)

#: Canonical record class per entity name used in flows and hooks.
ENTITY_RECORDS: dict[str, type] = {
    "customers": Customer,
    "products": Product,
    "stock": StockLevel,
    "orders": Order,
    "invoices": Invoice,
    "journal_entries": JournalEntry,
    "commitments": Commitment,
    "commitment_bookings": CommitmentBooking,
    "relations": Relation,
    "purchase_invoices": PurchaseInvoice,
    "projects": Project,
}

__all__ = [
    "ENTITY_RECORDS",
    "Address",
    "Commitment",
    "CommitmentBooking",
    "CommitmentLine",
    "Contact",
    "CostKind",
    "CostLine",
    "Creditor",
    "Customer",
    "Invoice",
    "InvoiceLine",
    "JournalEntry",
    "JournalLine",
    "JournalLineKind",
    "Order",
    "OrderLine",
    "OrderType",
    "Product",
    "Project",
    "PurchaseInvoice",
    "PurchaseInvoiceKind",
    "PurchaseInvoiceLine",
    "Relation",
    "RelationKind",
    "StockLevel",
    "VatCalculation",
    "evolve",
    "make_converter",
    "structure",
    "to_date",
    "to_datetime",
    "to_decimal",
    "unstructure",
]
