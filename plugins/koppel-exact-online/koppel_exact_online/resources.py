"""The Exact Online resources koppel reads and writes, and which koppel entity uses which.

Each :class:`Resource` names its REST path (``{service}/{Entity}`` under
``/api/v1/{division}/``), its key field, its Sync API path when Exact has one,
and the fields a read selects (the Sync and bulk endpoints require ``$select``).
"""

from __future__ import annotations

import attrs

from koppel.errors import ConfigurationError
from koppel.records import OrderType

__all__ = [
    "ACCOUNTS",
    "CONTACTS",
    "DIRECT_SALES_INVOICES",
    "GENERAL_JOURNAL_ENTRIES",
    "GENERAL_JOURNAL_ENTRY_LINES",
    "GL_ACCOUNTS",
    "ITEMS",
    "ORDER_TYPE_RESOURCES",
    "PURCHASE_ENTRIES",
    "QUOTATIONS",
    "SALES_ENTRIES",
    "SALES_INVOICES",
    "SALES_ORDERS",
    "SALES_ORDER_LINES_SYNC",
    "STOCK_POSITIONS",
    "Resource",
    "resource_for_order_type",
]


@attrs.frozen(kw_only=True)
class Resource:
    """One Exact Online entity set.

    :param path: ``service/Entity`` under ``/api/v1/{division}/``.
    :param key: the field holding the record's guid.
    :param sync: the Sync API path (``sync/...``), when Exact offers one.
    :param select: the fields a read asks for.
    :param reference: the field that holds the source's document number, for
        finding documents that no binding knows.
    :param doc_type: the ``Type`` a create sets (direct sales invoice: 8023).
    """

    path: str
    key: str = "ID"
    sync: str | None = None
    select: tuple[str, ...] = ()
    reference: str | None = None
    doc_type: int | None = None

    @property
    def name(self) -> str:
        """The entity set's name, such as ``Accounts``."""
        return self.path.rsplit("/", 1)[1]


ACCOUNTS = Resource(
    path="crm/Accounts",
    sync="sync/CRM/Accounts",
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
CONTACTS = Resource(path="crm/Contacts")
ITEMS = Resource(
    path="logistics/Items",
    sync="sync/Logistics/Items",
    select=(
        "ID",
        "Code",
        "Barcode",
        "Description",
        "ExtraDescription",
        "StandardSalesPrice",
        "SalesVatCode",
        "Unit",
        "IsSalesItem",
        "IsStockItem",
        "EndDate",
        "Modified",
        "Timestamp",
    ),
)
STOCK_POSITIONS = Resource(
    path="inventory/StockPositions",
    sync="sync/Inventory/StockPositions",
    select=("ID", "ItemId", "ItemCode", "InStock", "PlanningIn", "PlanningOut", "Timestamp"),
)
GL_ACCOUNTS = Resource(
    path="financial/GLAccounts", sync="sync/Financial/GLAccounts", select=("ID", "Code")
)
SALES_ORDERS = Resource(path="salesorder/SalesOrders", key="OrderID", reference="YourRef")
#: The Sync API of sales orders answers one row per order line, with the header's fields.
SALES_ORDER_LINES_SYNC = Resource(
    path="salesorder/SalesOrders",
    key="OrderID",
    sync="sync/SalesOrder/SalesOrders",
    select=(
        "ID",
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
        "Item",
        "ItemCode",
        "ItemDescription",
        "Quantity",
        "NetPrice",
        "VATCode",
        "VATPercentage",
        "Timestamp",
    ),
)
QUOTATIONS = Resource(path="crm/Quotations", key="QuotationID", reference="YourRef")
SALES_INVOICES = Resource(
    path="salesinvoice/SalesInvoices", key="InvoiceID", reference="YourRef", doc_type=8020
)
DIRECT_SALES_INVOICES = attrs.evolve(SALES_INVOICES, doc_type=8023)
SALES_ENTRIES = Resource(path="salesentry/SalesEntries", key="EntryID", reference="YourRef")
PURCHASE_ENTRIES = Resource(
    path="purchaseentry/PurchaseEntries", key="EntryID", reference="YourRef"
)
GENERAL_JOURNAL_ENTRIES = Resource(
    path="generaljournalentry/GeneralJournalEntries", key="EntryID", reference="Description"
)
#: Financial mutations are found by the first line's description: the header has no reference.
GENERAL_JOURNAL_ENTRY_LINES = Resource(
    path="generaljournalentry/GeneralJournalEntryLines", key="EntryID", reference="Description"
)

#: What each order type creates in Exact Online.
ORDER_TYPE_RESOURCES: dict[OrderType, Resource] = {
    OrderType.QUOTE: QUOTATIONS,
    OrderType.ORDER: SALES_ORDERS,
    OrderType.INVOICE: SALES_INVOICES,
    OrderType.DIRECT_INVOICE: DIRECT_SALES_INVOICES,
    OrderType.SALES_INVOICE: SALES_ENTRIES,
    OrderType.FINANCIAL_MUTATION: GENERAL_JOURNAL_ENTRIES,
}


def resource_for_order_type(order_type: OrderType | str | None) -> Resource:
    """The resource an order of ``order_type`` is written to (``order`` when None).

    :raises ConfigurationError: for a name that is no order type.
    """
    try:
        kind = OrderType(order_type or OrderType.ORDER)
    except ValueError:
        names = ", ".join(t.value for t in OrderType)
        raise ConfigurationError(
            f"unknown order type {order_type!r}; valid: {names}",
            system="exact-online",
            field="order_type",
        ) from None
    return ORDER_TYPE_RESOURCES[kind]
