"""The Exact Online entity sets koppel reads and writes, as data.

Each :class:`EntitySet` names its REST path (``{service}/{Entity}`` under
``/api/v1/{division}/``), its key field, its Sync API path when Exact has one,
the fields a read selects (the Sync and bulk endpoints require ``$select``) and,
for a document, how it is found again and what Exact does with it.
"""

from __future__ import annotations

import attrs

from koppel.records import OrderType
from koppel_exact_online.facts import ENTITY_TYPES

__all__ = [
    "ACCOUNTS",
    "CONTACTS",
    "DELETED",
    "DIRECT_SALES_INVOICES",
    "GENERAL_JOURNAL_ENTRIES",
    "GENERAL_JOURNAL_ENTRY_LINES",
    "GL_ACCOUNTS",
    "ITEMS",
    "ORDER_TYPE_SETS",
    "PURCHASE_ENTRIES",
    "QUOTATIONS",
    "SALES_ENTRIES",
    "SALES_INVOICES",
    "SALES_ITEM_PRICES",
    "SALES_ORDERS",
    "SALES_ORDER_HEADER",
    "SALES_ORDER_HEADERS",
    "SALES_ORDER_LINES",
    "STOCK_POSITIONS",
    "EntitySet",
]


@attrs.frozen(kw_only=True)
class EntitySet:
    """One Exact Online entity set.

    :param path: ``service/Entity`` under ``/api/v1/{division}/``.
    :param key: the field holding the record's guid.
    :param sync: the Sync API path (``sync/...``), when Exact offers one.
    :param bulk: the bulk path (``bulk/...``, 1,000 a page, filters allowed), when Exact
        offers one.
    :param select: the fields a read asks for.
    :param reference: the field that holds the source's document number, for
        finding documents that no binding knows.
    :param found_in: the set a document is found in by its reference, when not this one.
    :param doc_type: the ``Type`` a create sets (direct sales invoice: 8023).
    :param lines: the field holding a document's lines.
    :param booked: Exact books the document at once and never changes it.
    :param journal_setting: the setting that names the document's ``Journal``.
    :param entity_type: its ``EntityType`` in ``sync/Deleted`` (None: deletions not read).
    """

    path: str
    key: str = "ID"
    sync: str | None = None
    bulk: str | None = None
    select: tuple[str, ...] = ()
    reference: str | None = None
    found_in: EntitySet | None = None
    doc_type: int | None = None
    lines: str | None = None
    booked: bool = False
    journal_setting: str | None = None
    entity_type: int | None = None

    @property
    def name(self) -> str:
        """The entity set's name, such as ``Accounts``."""
        return self.path.rsplit("/", 1)[1]

    @property
    def searched(self) -> EntitySet:
        """The set a document of this one is found in by its reference."""
        return self.found_in or self


ACCOUNTS = EntitySet(
    path="crm/Accounts",
    sync="sync/CRM/Accounts",
    bulk="bulk/CRM/Accounts",
    entity_type=ENTITY_TYPES["Accounts"],
    select=(
        "ID",
        "Code",
        "Name",
        "Email",
        "Phone",
        "Status",
        "IsSupplier",
        "IsSales",
        "AddressLine1",
        "Postcode",
        "City",
        "Country",
        "VATNumber",
        "ChamberOfCommerce",
        "MainContact",
        "Modified",
        "Timestamp",
    ),
)
CONTACTS = EntitySet(path="crm/Contacts")
ITEMS = EntitySet(
    path="logistics/Items",
    sync="sync/Logistics/Items",
    bulk="bulk/Logistics/Items",
    entity_type=ENTITY_TYPES["Items"],
    select=(
        "ID",
        "Code",
        "Barcode",
        "Description",
        "ExtraDescription",
        "SalesVatCode",
        "Unit",
        "IsSalesItem",
        "IsStockItem",
        "EndDate",
        "Modified",
        "Timestamp",
    ),
)
STOCK_POSITIONS = EntitySet(
    path="inventory/StockPositions",
    sync="sync/Inventory/StockPositions",
    select=(
        "ID",
        "ItemId",
        "ItemCode",
        "CurrentStock",
        "PlanningIn",
        "PlanningOut",
        "Warehouse",
        "WarehouseCode",
        "Timestamp",
    ),
)
#: Sales prices of items: without ``Account`` the usual price, with one a price agreement.
SALES_ITEM_PRICES = EntitySet(
    path="logistics/SalesItemPrices",
    sync="sync/Logistics/SalesItemPrices",
    bulk="bulk/Logistics/SalesItemPrices",
    entity_type=ENTITY_TYPES["ItemPrices"],
    select=("ID", "Item", "Price", "Currency", "Unit", "StartDate", "EndDate", "Quantity"),
)
#: The deletion log of every Sync API entity (no regular endpoint: ``path`` is the feed).
DELETED = EntitySet(
    path="sync/Deleted",
    sync="sync/Deleted",
    select=("ID", "EntityKey", "EntityType", "DeletedDate", "Timestamp"),
)
GL_ACCOUNTS = EntitySet(
    path="financial/GLAccounts", sync="sync/Financial/GLAccounts", select=("ID", "Code")
)
#: Header fields of a sales order.
SALES_ORDER_HEADER = (
    "OrderID",
    "OrderNumber",
    "OrderDate",
    "OrderedBy",
    "OrderedByName",
    "YourRef",
    "Description",
    "Currency",
    "AmountFCExclVat",
    "AmountFC",
    "Status",
)
#: Sales order headers through their Sync API (``sync/SalesOrder/SalesOrders`` is gone from
#: the 2025 reference); the bulk read gives the headers of orders whose lines changed.
SALES_ORDER_HEADERS = EntitySet(
    path="salesorder/SalesOrders",
    key="OrderID",
    sync="sync/SalesOrder/SalesOrderHeaders",
    bulk="bulk/SalesOrder/SalesOrders",
    entity_type=ENTITY_TYPES["SalesOrderHeaders"],
    select=("ID", *SALES_ORDER_HEADER, "Timestamp"),
)
#: Sales order lines, each with its own Timestamp; the bulk read gives every line of an
#: order whose header or some line changed.
SALES_ORDER_LINES = EntitySet(
    path="salesorder/SalesOrderLines",
    sync="sync/SalesOrder/SalesOrderLines",
    bulk="bulk/SalesOrder/SalesOrderLines",
    select=(
        "ID",
        "OrderID",
        "LineNumber",
        "Item",
        "ItemCode",
        "ItemDescription",
        "Description",
        "Quantity",
        "NetPrice",
        "VATCode",
        "VATPercentage",
        "Timestamp",
    ),
)
SALES_ORDERS = EntitySet(
    path="salesorder/SalesOrders", key="OrderID", reference="YourRef", lines="SalesOrderLines"
)
QUOTATIONS = EntitySet(
    path="crm/Quotations", key="QuotationID", reference="YourRef", lines="QuotationLines"
)
SALES_INVOICES = EntitySet(
    path="salesinvoice/SalesInvoices",
    key="InvoiceID",
    reference="YourRef",
    doc_type=8020,
    lines="SalesInvoiceLines",
    journal_setting="sales_journal",
)
DIRECT_SALES_INVOICES = attrs.evolve(SALES_INVOICES, doc_type=8023)
SALES_ENTRIES = EntitySet(
    path="salesentry/SalesEntries",
    key="EntryID",
    reference="YourRef",
    lines="SalesEntryLines",
    booked=True,
    journal_setting="sales_journal",
)
PURCHASE_ENTRIES = EntitySet(
    path="purchaseentry/PurchaseEntries",
    key="EntryID",
    reference="YourRef",
    lines="PurchaseEntryLines",
    booked=True,
    journal_setting="purchase_journal",
)
#: Financial mutations are found by the first line's description: the header has no reference.
GENERAL_JOURNAL_ENTRY_LINES = EntitySet(
    path="generaljournalentry/GeneralJournalEntryLines", key="EntryID", reference="Description"
)
GENERAL_JOURNAL_ENTRIES = EntitySet(
    path="generaljournalentry/GeneralJournalEntries",
    key="EntryID",
    found_in=GENERAL_JOURNAL_ENTRY_LINES,
    lines="GeneralJournalEntryLines",
    booked=True,
)

#: What each order type creates in Exact Online.
ORDER_TYPE_SETS: dict[OrderType, EntitySet] = {
    OrderType.QUOTE: QUOTATIONS,
    OrderType.ORDER: SALES_ORDERS,
    OrderType.INVOICE: SALES_INVOICES,
    OrderType.DIRECT_INVOICE: DIRECT_SALES_INVOICES,
    OrderType.SALES_INVOICE: SALES_ENTRIES,
    OrderType.FINANCIAL_MUTATION: GENERAL_JOURNAL_ENTRIES,
}
