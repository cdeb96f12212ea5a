"""What Exact Online's REST API takes and answers, as data with its sources.

One :class:`~koppel.sandbox.Endpoint` per endpoint the plugin calls: the
contract of each request body (Edm type, mandatory, read-only on POST/PUT,
lengths, nested lines), of each read's query and of the fields each read may
``$select``. Facts were read from Exact's REST API reference on 2026-11-25
through the sources listed in ``REFERENCE.md``; the sandbox enforces them and
a test checks that the client's ``$select`` lists name only fields declared
here. A fact no source gave is recorded with a ``Source("assumption: ...")``.
"""

from __future__ import annotations

import attrs

from koppel.sandbox import ApiContract, Contract, Endpoint, Field, Source

__all__ = ["API", "BULK_PRICE_FILTERS", "ENTITY_TYPES", "READ", "endpoint_path", "not_updatable"]

#: The day the sources were read.
READ = "2026-11-25"
_S1A = (
    "DannyvdSluijs/ExactOnlineRestApiReference meta-data.json "
    "@ 3e0ed671981ff2e7622cd1c082eb724c2ff84050 (2022)"
)
_S1B = "Pi-Systems/exact-online src/Entity/{} @ 91a41169b683a40e287e3aef0d28bb4d10bbdbcf (2025)"
_PAGE = "https://start.exactonline.nl/docs/HlpRestAPIResourcesDetails.aspx?name={}"
#: Exact's .NET SDK test answers: fixed-width padded Country and VATCode.
PADDING = Source(
    "exactonline/exactonline-api-dotnet-client "
    "test/ExactOnline.Client.Sdk.PerformanceTests/JsonToObjectTest.cs "
    "@ 02d05483e8149422696d149c2ff07ffcb0e7c4df (lines 107, 202, 249, 375)",
    READ,
)
#: Accounts.Code: 18 wide, right-aligned (the reference's field description; ossobv pads '%18s').
CODE_18 = Source(
    _PAGE.format("CRMAccounts") + " Code, via " + _S1A + "; ossobv/exactonline "
    "exactonline/api/relations.py @ 9a1b43dbd6f8c5666040a5df7a8c8c9777206c1b",
    READ,
)
#: The same generator's newer snapshot, read for sync/Deleted, prices, bulk and warehouses.
_S1B_NOW = "Pi-Systems/exact-online src/Entity/{} @ d536f28207cb1a8078565190e26f4099f400fc4a"
#: sync/Deleted: the deletion log of every Sync API entity, kept two months, filtered on
#: Timestamp only; EntityType names the entity (its "Entity Types" field description).
DELETED = Source(
    _PAGE.format("SyncDeleted") + ", via " + _S1B_NOW.format("Sync/Deleted.php") + "; " + _S1A,
    READ,
)
#: logistics/SalesItemPrices: GET POST PUT DELETE; without Account a price is the usual
#: sales price, with one a price agreement; Price, Currency, Unit, StartDate, EndDate and
#: Quantity (the minimum quantity) are taken by POST and PUT.
PRICES = Source(
    _PAGE.format("LogisticsSalesItemPrices")
    + ", via "
    + _S1B_NOW.format("Logistics/SalesItemPrices.php")
    + "; "
    + _S1A
    + "; picqer/exact-php-client issue 648",
    READ,
)
#: bulk/Logistics/SalesItemPrices: 1000 a page, $select mandatory, filters only on Account,
#: EndDate, ID, Item, Price, Quantity, StartDate and Unit.
BULK_PRICES = Source(
    _PAGE.format("BulkLogisticsSalesItemPrices")
    + ", via "
    + _S1B_NOW.format("Bulk/Logistics/SalesItemPrices.php"),
    READ,
)
#: bulk/Logistics/Items, bulk/CRM/Accounts: 1000 a page, $select mandatory.
BULK = Source(
    _PAGE.format("BulkLogisticsItems")
    + ", "
    + _PAGE.format("BulkCRMAccounts")
    + ", via "
    + _S1B_NOW.format("Bulk/{Logistics/Items,CRM/Accounts}.php"),
    READ,
)


def _ref(name: str, entity: str) -> Source:
    """Exact's page ``name`` read through the 2022 crawl and the 2025 entities."""
    return Source(f"{_PAGE.format(name)}, via {_S1A}; {_S1B.format(entity + '.php')}", READ)


def _assumed(what: str) -> Source:
    return Source(f"assumption: {what}", READ)


def _text(name: str, **options: object) -> Field:
    return Field(name, "text", **options)  # type: ignore[arg-type]


def _guid(name: str, **options: object) -> Field:
    return Field(name, "guid", **options)  # type: ignore[arg-type]


def _number(name: str, **options: object) -> Field:
    return Field(name, "decimal", **options)  # type: ignore[arg-type]


def _date(name: str, **options: object) -> Field:
    return Field(name, "datetime", **options)  # type: ignore[arg-type]


def _int(name: str, **options: object) -> Field:
    return Field(name, "integer", **options)  # type: ignore[arg-type]


def _bool(name: str, **options: object) -> Field:
    return Field(name, "boolean", **options)  # type: ignore[arg-type]


# -- request bodies ----------------------------------------------------------

_ACCOUNTS = _ref("CRMAccounts", "CRM/Accounts")
ACCOUNT = Contract(
    "Account",
    [
        _guid("ID"),
        _text("Code", max_length=18, width=18, source=CODE_18),
        _text("Name", required=True),
        _text("Email"),
        _text("Phone"),
        _text("Status", enum=("A", "S", "P", "C")),
        _bool("IsSupplier"),
        _bool("IsSales", read_only=True),
        _text("AddressLine1"),
        _text("Postcode"),
        _text("City"),
        _text("Country", width=3, source=PADDING),
        _text("VATNumber"),
        _text("ChamberOfCommerce"),
        _guid("MainContact"),
        _date("Modified", read_only=True),
    ],
    source=_ACCOUNTS,
)
CONTACT = Contract(
    "Contact",
    [
        _guid("ID"),
        _guid("Account", required=True),
        _text("FirstName", note="first or last name needed"),
        _text("LastName", note="first or last name needed"),
        _text("Email"),
        _text("Phone"),
    ],
    source=_ref("CRMContacts", "CRM/Contacts"),
)
ITEM = Contract(
    "Item",
    [
        _guid("ID"),
        _text("Code", required=True),
        _text("Barcode"),
        _text("Description", required=True, max_length=60),
        _text("ExtraDescription", max_length=255),
        _number("StandardSalesPrice", read_only=True, note="prices are SalesItemPrices"),
        _text("SalesVatCode"),
        _text("Unit"),
        _bool("IsSalesItem"),
        _bool("IsStockItem"),
        _number("Stock", read_only=True),
    ],
    source=_ref("LogisticsItems", "Logistics/Items"),
)


def _item_line(name: str, page: str, entity: str, *extra: Field) -> Contract:
    return Contract(
        name,
        [
            _guid("ID"),
            _guid("Item", required=True),
            _text("Description"),
            _number("Quantity"),
            _number("NetPrice"),
            _text("VATCode", width=3, source=PADDING),
            *extra,
        ],
        source=_ref(page, entity),
    )


SALES_ORDER_LINE = _item_line(
    "SalesOrderLine", "SalesOrderSalesOrderLines", "SalesOrder/SalesOrderLines"
)
QUOTATION_LINE = _item_line("QuotationLine", "CRMQuotationLines", "CRM/QuotationLines")
SALES_INVOICE_LINE = _item_line(
    "SalesInvoiceLine",
    "SalesInvoiceSalesInvoiceLines",
    "SalesInvoice/SalesInvoiceLines",
    _guid("GLAccount", note="mandatory, derived from the item when not sent"),
)


def _entry_line(name: str, page: str, entity: str, *extra: Field) -> Contract:
    return Contract(
        name,
        [
            _guid("ID"),
            _guid("GLAccount", required=True),
            _text("Description"),
            _number("AmountFC", required=True, note="excluding VAT on normal lines"),
            _text("VATCode", width=3, source=PADDING),
            *extra,
        ],
        source=_ref(page, entity),
    )


SALES_ENTRY_LINE = _entry_line(
    "SalesEntryLine", "SalesEntrySalesEntryLines", "SalesEntry/SalesEntryLines"
)
#: PurchaseEntryLines (S1d, 2025): VATCode "if not filled, the default VAT code of the G/L
#: account"; VATAmountFC "a VAT amount that differs from the one calculated"; CostCenter a code.
PURCHASE_ENTRY_LINE = _entry_line(
    "PurchaseEntryLine",
    "PurchaseEntryPurchaseEntryLines",
    "PurchaseEntry/PurchaseEntryLines",
    _number("Quantity"),
    _number("VATAmountFC"),
    _text("CostCenter"),
)
JOURNAL_ENTRY_LINE = Contract(
    "GeneralJournalEntryLine",
    [
        _guid("ID"),
        _guid("EntryID"),
        _guid("GLAccount", required=True),
        _number("AmountFC"),
        _text("Description"),
        _guid("Account"),
        _date("Date"),
        _text("VATCode", width=3, source=PADDING),
    ],
    source=_ref(
        "GeneralJournalEntryGeneralJournalEntryLines",
        "GeneralJournalEntry/GeneralJournalEntryLines",
    ),
)

_DOCUMENT = (_text("YourRef"), _text("Description"), _text("Currency"))
SALES_ORDER = Contract(
    "SalesOrder",
    [
        _guid("OrderID"),
        _guid("OrderedBy", required=True, note="POST only: cannot be changed"),
        _date("OrderDate"),
        *_DOCUMENT,
        Field("SalesOrderLines", "list", required=True, of=SALES_ORDER_LINE),
        _int("OrderNumber", read_only=True),
        _int("Status", read_only=True, enum=(12, 20, 21, 45)),
        _guid("InvoiceTo", note="POST only"),
        _guid("DeliverTo", note="POST only"),
    ],
    source=_ref("SalesOrderSalesOrders", "SalesOrder/SalesOrders"),
)
QUOTATION = Contract(
    "Quotation",
    [
        _guid("QuotationID"),
        _guid("OrderAccount", required=True, note="POST only"),
        _date("QuotationDate"),
        *_DOCUMENT,
        Field("QuotationLines", "list", required=True, of=QUOTATION_LINE),
    ],
    source=_ref("CRMQuotations", "CRM/Quotations"),
)
SALES_INVOICE = Contract(
    "SalesInvoice",
    [
        _guid("InvoiceID"),
        _guid("OrderedBy", required=True, note="POST only"),
        _date("InvoiceDate", read_only=True, note="set when printed (PrintedSalesInvoices)"),
        _date("OrderDate"),
        *_DOCUMENT,
        _text("Journal", required=True, note="POST only"),
        _int("Type", enum=(8020, 8021, 8023, 8024)),
        _guid("Warehouse", note="mandatory for 8023/8024, not allowed for 8020/8021"),
        Field("SalesInvoiceLines", "list", required=True, of=SALES_INVOICE_LINE),
        _int("Status", read_only=True, enum=(10, 20, 50)),
    ],
    source=_ref("SalesInvoiceSalesInvoices", "SalesInvoice/SalesInvoices"),
)


def _entry(
    name: str, page: str, entity: str, party: str, lines: Contract, *extra: Field
) -> Contract:
    return Contract(
        name,
        [
            _guid("EntryID"),
            _guid(party, required=True),
            _date("EntryDate"),
            _date("DueDate"),
            *_DOCUMENT,
            _text("Journal", required=True),
            Field(f"{lines.name}s", "list", required=True, of=lines),
            _int("Status", read_only=True, enum=(5, 20, 50)),
            _int("EntryNumber", note="Exact's own number; POST may set it"),
            *extra,
        ],
        source=_ref(page, entity),
    )


SALES_ENTRY = _entry(
    "SalesEntry", "SalesEntrySalesEntries", "SalesEntry/SalesEntries", "Customer", SALES_ENTRY_LINE
)
PURCHASE_ENTRY = _entry(
    "PurchaseEntry",
    "PurchaseEntryPurchaseEntries",
    "PurchaseEntry/PurchaseEntries",
    "Supplier",
    PURCHASE_ENTRY_LINE,
    _text("PaymentReference"),
    _int("Type", read_only=True, enum=(30, 31), note="30 purchase entry, 31 credit note"),
)
JOURNAL_ENTRY = Contract(
    "GeneralJournalEntry",
    [
        _guid("EntryID"),
        _text("JournalCode", required=True),
        _text("Currency"),
        Field("GeneralJournalEntryLines", "list", required=True, of=JOURNAL_ENTRY_LINE),
    ],
    source=_ref(
        "GeneralJournalEntryGeneralJournalEntries", "GeneralJournalEntry/GeneralJournalEntries"
    ),
)

# -- reads -------------------------------------------------------------------

#: $select is mandatory (a GET without it or $top=1 answers 400); the sync API filters on Timestamp.
_ODATA = Source(
    "https://github.com/picqer/exact-php-client/issues/62 , /34; "
    "Sync/* and Bulk/* good-to-know in " + _S1B.format("Sync/**"),
    READ,
)
QUERY = Contract(
    "Query",
    [
        _text("$select", required=True, note="a GET without $select or $top=1 answers 400"),
        _text("$filter"),
        _int("$top"),
        _text("$skiptoken"),
    ],
    source=_ODATA,
)
ME = Contract("Me", [_int("CurrentDivision")], source=_ref("SystemSystemMe", "System/Me"))
_SYNC_FIELDS = (_int("Timestamp", note="row version"), _guid("ID"))
SYNC_ACCOUNT = Contract(
    "SyncAccount",
    [*_SYNC_FIELDS, *(f for f in ACCOUNT.fields if f.name != "ID")],
    source=_ref("SyncCRMAccounts", "Sync/CRM/Accounts"),
)
SYNC_ITEM = Contract(
    "SyncItem",
    [
        *_SYNC_FIELDS,
        _text("Code"),
        _text("Barcode"),
        _text("Description"),
        _text("ExtraDescription"),
        _text("SalesVatCode"),
        _text("Unit"),
        _bool("IsSalesItem"),
        _bool("IsStockItem"),
        _date("EndDate"),
        _date("Modified"),
        _number("Stock"),
    ],
    source=_ref("SyncLogisticsItems", "Sync/Logistics/Items"),
)
SYNC_STOCK_POSITION = Contract(
    "SyncStockPosition",
    [
        *_SYNC_FIELDS,
        _guid("ItemId"),
        _text("ItemCode"),
        _number("CurrentStock", note="the number of items in stock"),
        _number("FreeStock"),
        _number("ReservedStock"),
        _number("PlanningIn"),
        _number("PlanningOut"),
        _number("ProjectedStock"),
        _number("ReorderPoint"),
        _guid("Warehouse"),
        _text("WarehouseCode"),
        _text("WarehouseDescription"),
        _text("UnitCode"),
    ],
    source=_ref("SyncInventoryStockPositions", "Sync/Inventory/StockPositions"),
)
GL_ACCOUNT = Contract(
    "GLAccount",
    [_guid("ID"), _text("Code"), _text("Description")],
    source=_ref("FinancialGLAccounts", "Financial/GLAccounts"),
)
SYNC_GL_ACCOUNT = Contract(
    "SyncGLAccount",
    [*_SYNC_FIELDS, _text("Code")],
    source=_ref("SyncFinancialGLAccounts", "Sync/Financial/GLAccounts"),
)
_HEADER_FIELDS = (
    _guid("OrderID", note="the same on every line of an order"),
    _int("OrderNumber"),
    _date("OrderDate"),
    _guid("OrderedBy"),
    _text("OrderedByName"),
    _text("YourRef"),
    _text("Description"),
    _text("Currency"),
    _number("AmountFCExclVat"),
    _number("AmountFC"),
    _int("Status"),
)
_LINE_FIELDS = (
    _guid("OrderID", note="the same on every line of an order"),
    _int("OrderNumber"),
    _int("LineNumber"),
    _guid("Item"),
    _text("ItemCode"),
    _text("ItemDescription"),
    _text("Description"),
    _number("Quantity"),
    _number("NetPrice"),
    _number("AmountFC"),
    _text("VATCode", width=3, source=PADDING),
    _number("VATPercentage"),
)
#: The 2025 replacements of sync/SalesOrder/SalesOrders: headers and lines, each with its
#: own Timestamp ("any change in the line ... leads to a new timestamp value in the line").
SYNC_SALES_ORDER_HEADER = Contract(
    "SyncSalesOrderHeader",
    [*_SYNC_FIELDS, *_HEADER_FIELDS],
    source=Source(
        _PAGE.format("SyncSalesOrderSalesOrderHeaders")
        + ", via "
        + _S1B_NOW.format("Sync/SalesOrder/SalesOrderHeaders.php"),
        READ,
    ),
)
SYNC_SALES_ORDER_LINE = Contract(
    "SyncSalesOrderLine",
    [*_SYNC_FIELDS, *_LINE_FIELDS],
    source=Source(
        _PAGE.format("SyncSalesOrderSalesOrderLines")
        + ", via "
        + _S1B_NOW.format("Sync/SalesOrder/SalesOrderLines.php"),
        READ,
    ),
)
#: bulk/SalesOrder/SalesOrders and SalesOrderLines: 1000 a page (their reference pages,
#: also in a generated client of the same pages, search-index file id 66933683307).
BULK_ORDERS = Source(
    _PAGE.format("BulkSalesOrderSalesOrders")
    + ", "
    + _PAGE.format("BulkSalesOrderSalesOrderLines")
    + ", via "
    + _S1B_NOW.format("Bulk/SalesOrder/{SalesOrders,SalesOrderLines}.php"),
    READ,
)

SALES_ITEM_PRICE = Contract(
    "SalesItemPrice",
    [
        _guid("ID"),
        _guid(
            "Item",
            required=True,
            source=_assumed("a price names its item; the reference marks only ID mandatory"),
        ),
        _text("ItemCode", read_only=True),
        _number("Price"),
        _text("Currency"),
        _guid("Account", note="set: a price agreement with that customer"),
        _text("Unit"),
        _date("StartDate"),
        _date("EndDate"),
        _number("Quantity", note="the minimum quantity the price applies to"),
        _date("Modified", read_only=True),
    ],
    source=PRICES,
)
SYNC_SALES_ITEM_PRICE = Contract(
    "SyncSalesItemPrice",
    [*_SYNC_FIELDS, *(f for f in SALES_ITEM_PRICE.fields if f.name != "ID")],
    source=Source(
        _PAGE.format("SyncLogisticsSalesItemPrices")
        + ", via "
        + _S1B_NOW.format("Sync/Logistics/SalesItemPrices.php"),
        READ,
    ),
)
#: Filters bulk/Logistics/SalesItemPrices takes (BULK_PRICES); any other is refused.
BULK_PRICE_FILTERS = ("Account", "EndDate", "ID", "Item", "Price", "Quantity", "StartDate", "Unit")
BULK_QUERY = Contract(
    "BulkQuery",
    [
        _text("$select", required=True, note="mandatory on bulk endpoints"),
        _text("$filter"),
        _text("$skiptoken"),
    ],
    source=BULK,
)

SYNC_DELETED = Contract(
    "SyncDeleted",
    [
        _int("Timestamp", note="row version"),
        _guid("ID"),
        _guid("EntityKey", note="the ID of the deleted record"),
        _int("EntityType", note="see ENTITY_TYPES"),
        _date("DeletedDate"),
        _guid("DeletedBy"),
        _int("Division"),
    ],
    source=DELETED,
)
#: ``sync/Deleted.EntityType`` of the entities koppel reads through a Sync API (DELETED):
#: 12 is "going to be removed" in favour of 32 and 33.
ENTITY_TYPES = {
    "Accounts": 2,
    "ItemPrices": 8,
    "Items": 9,
    "SalesOrders": 12,
    "StockPositions": 15,
    "SalesOrderHeaders": 32,
    "SalesOrderLines": 33,
}

# -- endpoints ---------------------------------------------------------------

_V1 = "/api/v1/{division}/"


def endpoint_path(path: str) -> str:
    """The pattern of ``service/Entity`` under ``/api/v1/{division}/``."""
    return _V1 + path


def _crud(
    path: str, body: Contract, *, put: Contract | None = None, delete: bool = False
) -> list[Endpoint]:
    """GET (lookups), POST and, when given, PUT and DELETE of one entity set. A read-only
    field sent is recorded and ignored (an assumption: see the module's docs page)."""
    body = attrs.evolve(body, read_only="ignore")
    endpoints = [
        Endpoint("GET", _V1 + path, query=QUERY, answer=body, source=body.source),
        Endpoint("POST", _V1 + path, body=body, answer=body, source=body.source),
    ]
    if put is not None:
        put = attrs.evolve(put, read_only="ignore")
        endpoints.append(Endpoint("PUT", f"{_V1}{path}({{id}})", body=put, source=body.source))
    if delete:
        endpoints.append(Endpoint("DELETE", f"{_V1}{path}({{id}})", source=body.source))
    return endpoints


def _sync(path: str, answer: Contract) -> Endpoint:
    return Endpoint("GET", _V1 + path, query=QUERY, answer=answer, source=answer.source)


def _bulk(path: str, answer: Contract, source: Source) -> Endpoint:
    """A bulk read: the fields of ``answer`` (a sync contract) but its Timestamp."""
    fields = [f for f in answer.fields if f.name != "Timestamp"]
    shape = Contract(f"Bulk{answer.name}", fields, source=source)
    return Endpoint("GET", _V1 + path, query=BULK_QUERY, answer=shape, source=source)


#: Every endpoint the plugin calls.
API = ApiContract(
    "exact-online",
    [
        Endpoint(
            "GET",
            "/api/v1/current/Me",
            query=Contract("MeQuery", [_text("$select", required=True)], source=_ODATA),
            answer=ME,
            source=ME.source,
        ),
        _sync("sync/CRM/Accounts", SYNC_ACCOUNT),
        _sync("sync/Logistics/Items", SYNC_ITEM),
        _sync("sync/Inventory/StockPositions", SYNC_STOCK_POSITION),
        _sync("sync/Financial/GLAccounts", SYNC_GL_ACCOUNT),
        _sync("sync/SalesOrder/SalesOrderHeaders", SYNC_SALES_ORDER_HEADER),
        _sync("sync/SalesOrder/SalesOrderLines", SYNC_SALES_ORDER_LINE),
        _bulk("bulk/SalesOrder/SalesOrders", SYNC_SALES_ORDER_HEADER, BULK_ORDERS),
        _bulk("bulk/SalesOrder/SalesOrderLines", SYNC_SALES_ORDER_LINE, BULK_ORDERS),
        _sync("sync/Deleted", SYNC_DELETED),
        _sync("sync/Logistics/SalesItemPrices", SYNC_SALES_ITEM_PRICE),
        _bulk("bulk/Logistics/SalesItemPrices", SYNC_SALES_ITEM_PRICE, BULK_PRICES),
        _bulk("bulk/Logistics/Items", SYNC_ITEM, BULK),
        _bulk("bulk/CRM/Accounts", SYNC_ACCOUNT, BULK),
        *_crud("logistics/SalesItemPrices", SALES_ITEM_PRICE, put=SALES_ITEM_PRICE.partial()),
        *_crud("crm/Accounts", ACCOUNT, put=ACCOUNT.partial(), delete=True),
        *_crud("crm/Contacts", CONTACT),
        *_crud("logistics/Items", ITEM, put=ITEM.partial(), delete=True),
        *_crud(
            "salesorder/SalesOrders",
            SALES_ORDER,
            put=SALES_ORDER.partial(read_only=["OrderedBy", "InvoiceTo", "DeliverTo"]),
        ),
        *_crud("crm/Quotations", QUOTATION, put=QUOTATION.partial(read_only=["OrderAccount"])),
        *_crud(
            "salesinvoice/SalesInvoices",
            SALES_INVOICE,
            put=SALES_INVOICE.partial(read_only=["OrderedBy", "Journal"]),
        ),
        Endpoint(
            "GET",
            _V1 + "financial/GLAccounts",
            query=QUERY,
            answer=GL_ACCOUNT,
            source=GL_ACCOUNT.source,
        ),
        *_crud("salesentry/SalesEntries", SALES_ENTRY),
        *_crud("purchaseentry/PurchaseEntries", PURCHASE_ENTRY),
        *_crud("generaljournalentry/GeneralJournalEntries", JOURNAL_ENTRY),
        Endpoint(
            "GET",
            _V1 + "generaljournalentry/GeneralJournalEntryLines",
            query=QUERY,
            answer=JOURNAL_ENTRY_LINE,
            source=JOURNAL_ENTRY_LINE.source,
        ),
    ],
)


def not_updatable(path: str) -> frozenset[str]:
    """The fields of ``service/Entity`` that its PUT does not take (read-only or POST only)."""
    try:
        endpoint = API.get("PUT", f"{_V1}{path}({{id}})")
    except KeyError:
        return frozenset()
    assert endpoint.body is not None
    return frozenset(field.name for field in endpoint.body.fields if field.read_only)
