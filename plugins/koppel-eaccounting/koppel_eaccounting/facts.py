"""What the plugin relies on of the eAccounting API v2, each fact with its source.

Read from Visma's OpenAPI specification (see REFERENCE.md, "Sources"): S1 is the
current PascalCase spec, S2 the older Swagger 2.0 spec fetched from Visma. The
sandbox enforces these contracts; the client reads the read-only fields
(:data:`READ_ONLY`) and the limits it checks before sending from them too.
Every schema has ``additionalProperties: false`` (S1), so an unknown field is
refused. Whether a read-only field sent is refused or ignored is not documented;
these contracts assume it is ignored.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from koppel.sandbox import ApiContract, Contract, Endpoint, Field, FieldType, Source

__all__ = [
    "API",
    "ARTICLE",
    "BODIES",
    "CODING",
    "COMPANY_SETTINGS",
    "CUSTOMER",
    "DRAFT",
    "INVOICE",
    "INVOICE_PAYMENT",
    "NUMBERS",
    "ORDER",
    "READ_ONLY",
    "S1",
    "S2",
    "VAT_CODE",
    "Number",
]

#: S1: the current OpenAPI 3.1.1 spec, as vendored (unchanged, says the repo) by a third party.
S1 = Source(
    "github.com/matssun/visma-external-api-schemas schemas/original/visma_external_api.yaml"
    " @ c9ab1ade83d4e751909fc7f7eee01c1a52ea2d73",
    "2026-11-25",
)
#: S2: the Swagger 2.0 spec downloaded from eaccountingapi.vismaonline.com/swagger/docs/v2.
S2 = Source(
    "github.com/simenandre/eaccounting openapi/v2.json @ 8cacecaad9893d195a3db1f86787d47296433023",
    "2026-11-25",
)
#: What neither spec says: how the API treats a read-only field it is sent.
_RO_IGNORED = Source(
    "assumption: a read-only field sent is ignored, not refused (not in S1 or S2;"
    " REFERENCE.md 'Could not verify')",
    "2026-11-25",
)
#: Fields the sandbox answers with that the specs read do not give the facts of.
_ASSUMED = Source("assumption: not verified in S1 or S2 (REFERENCE.md)", "2026-11-25")


def _text(
    name: str, max_length: int | None = None, *, required: bool = False, note: str = ""
) -> Field:
    return Field(name, "text", max_length=max_length, required=required, note=note)


def _ro(name: str, type_: FieldType = "text") -> Field:
    return Field(name, type_, read_only=True)


BARCODE = Contract(
    "ArticleBarcodeApi",
    [_text("Barcode"), Field("BarcodeType", "integer", enum=(0,))],
    source=S1,
)

CUSTOMER = Contract(
    "CustomerApi",
    [
        _ro("Id", "guid"),
        _text("CustomerNumber", 16),
        _text("Name", 50, required=True),
        Field("IsPrivatePerson", "boolean", required=True),
        Field("IsActive", "boolean", required=True),
        Field("TermsOfPaymentId", "guid", required=True),
        _ro("TermsOfPayment", "object"),
        _text("InvoicePostalCode", 10, required=True),
        _text("InvoiceCity", 50, required=True),
        _text("InvoiceAddress1", 50),
        _text("InvoiceAddress2", 50),
        _text("InvoiceCountryCode", 2),
        _text("EmailAddress", 255),
        _text("ContactPersonName", 100),
        _text("ContactPersonEmail", 255),
        _text("ContactPersonPhone", 50),
        _text("ContactPersonMobile", 50),
        _text("Telephone", 50),
        _text("MobilePhone", 50),
        _text("VatNumber", 20),
        _text("CorporateIdentityNumber", 20),
        _text("CurrencyCode", 3),
        _text("DeliveryCustomerName", 100),
        _text("DeliveryAddress1", 50),
        _text("DeliveryAddress2", 50),
        _text("DeliveryCity", 50),
        _text("DeliveryPostalCode", 10),
        _text("DeliveryCountryCode", 2),
        Field("DeliveryMethodId", "guid"),
        Field("DeliveryTermId", "guid"),
        Field("DiscountPercentage", "decimal"),
        _ro("ChangedUtc", "datetime"),
        _ro("LastInvoiceDate", "datetime"),
        _ro("UnpaidInvoicesAmount", "decimal"),
        _ro("PayToAccountId", "guid"),
        _ro("MessageThreads", "list"),
        _ro("Notes", "list"),
        _ro("IsFutureInvoiceDateAllowed", "boolean"),
    ],
    source=S1,
    read_only="ignore",
)

ARTICLE = Contract(
    "ArticleApi",
    [
        _ro("Id", "guid"),
        _text("Number", 40, required=True),
        _text("Name", 50, required=True),
        _text("NameEnglish", 50),
        _text("Note", 4000),
        Field("IsActive", "boolean", required=True),
        Field("UnitId", "guid", required=True),
        Field("CodingId", "guid", required=True),
        _ro("UnitName"),
        _ro("UnitAbbreviation"),
        _ro("CodingName"),
        Field("NetPrice", "decimal"),
        Field("GrossPrice", "decimal"),
        Field("PurchasePrice", "decimal"),
        Field("StockBalance", "decimal", note="read-only when the stock module is active"),
        _ro("StockBalanceReserved", "decimal"),
        _ro("StockBalanceAvailable", "decimal"),
        _ro("StockValue", "decimal"),
        Field("Barcodes", "list", of=BARCODE),
        Field("IsStock", "boolean"),
        Field("SendToWebshop", "boolean"),
        _ro("CreatedUtc", "datetime"),
        _ro("ChangedUtc", "datetime"),
        _ro("StockBalanceManuallyChangedUtc", "datetime"),
        _ro("PurchasePriceManuallyChangedUtc", "datetime"),
        _ro("FreightCostsManuallyChangedUtc", "datetime"),
        _ro("ShowStockInformation", "boolean"),
        _ro("IsServiceArticle", "boolean"),
        _ro("MessageThreads", "list"),
        _ro("Notes", "list"),
    ],
    source=S1,
    read_only="ignore",
)

ORDER_ROW = Contract(
    "OrderRowApi",
    [
        Field("LineNumber", "integer", required=True),
        Field("IsTextRow", "boolean", required=True),
        Field("IsWorkCost", "boolean", required=True),
        Field("EligibleForReverseChargeOnVat", "boolean", required=True),
        Field("ArticleId", "guid"),
        _text("ArticleNumber", 40),
        _text("Text", 2000),
        Field("UnitPrice", "decimal"),
        Field("Quantity", "decimal"),
        Field("DiscountPercentage", "decimal"),
        Field("DeliveredQuantity", "decimal"),
        _ro("Id", "guid"),
        _ro("VatRate", "decimal"),
        _ro("UnitId", "guid"),
        _ro("IsServiceArticle", "boolean"),
        _ro("PurchasePrice", "decimal"),
    ],
    source=S1,
    read_only="ignore",
)

ORDER = Contract(
    "OrderApi",
    [
        _ro("Id", "guid"),
        _ro("Number", "integer"),
        Field("CustomerId", "guid", required=True),
        _text("CurrencyCode", 3, required=True),
        Field("Status", "integer", required=True, enum=(1, 2, 3, 4)),
        Field("EuThirdParty", "boolean", required=True),
        Field("RotReducedInvoicingType", "integer", required=True, enum=(0, 1, 2)),
        Field("ReverseChargeOnConstructionServices", "boolean", required=True),
        Field("OrderDate", "datetime", note="S1 optional, S2 required"),
        Field("DeliveryDate", "datetime"),
        Field("ShippedDateTime", "datetime"),
        _text("YourReference", 100, note="S2: 50"),
        _text("OurReference", 100, note="S2: 50"),
        _text("BuyersOrderReference", 35),
        _text("InvoiceCustomerName", 50),
        _text("InvoiceAddress1", 50),
        _text("InvoiceAddress2", 50),
        _text("InvoicePostalCode", 10),
        _text("InvoiceCity"),
        _text("InvoiceCountryCode", 2),
        _text("DeliveryCustomerName", 100, note="S2: 50"),
        _text("DeliveryAddress1", 50),
        _text("DeliveryAddress2", 50),
        _text("DeliveryCity", 50),
        _text("DeliveryPostalCode", 10),
        _text("DeliveryCountryCode", 2),
        _text("DeliveryMethodName", 50),
        _text("DeliveryTermName", 50),
        _text("DeliveryMethodCode", 20),
        _text("DeliveryTermCode", 20),
        _ro("DeliveryMethodId", "guid"),
        _ro("DeliveryTermId", "guid"),
        Field("TermsOfPaymentId", "guid"),
        _ro("IncludesVat", "boolean"),
        _ro("CustomerIsPrivatePerson", "boolean"),
        Field("Amount", "decimal"),
        Field("VatAmount", "decimal"),
        Field("RoundingsAmount", "decimal"),
        _ro("CreatedUtc", "datetime"),
        _ro("ModifiedUtc", "datetime"),
        Field("Rows", "list", of=ORDER_ROW),
        _ro("CustomerNumber"),
        _ro("CustomerName"),
        _ro("SalesDocumentAttachments", "list"),
        _ro("MessageThreads", "list"),
        _ro("Notes", "list"),
        _ro("MaxAllowedTaxReductionAmount", "decimal"),
        _ro("RotReducedInvoicingPercent", "decimal"),
        _ro("IsNotDelivered", "boolean"),
        _ro("CreatedFromQuoteId", "guid"),
        _ro("BackgroundId"),
    ],
    source=S1,
    read_only="ignore",
)

DRAFT_ROW = Contract(
    "CustomerInvoiceDraftRowApi",
    [
        Field("IsTextRow", "boolean", required=True),
        Field("ReversedConstructionServicesVatFree", "boolean", required=True),
        Field("LineNumber", "integer"),
        Field("ArticleId", "guid", note="required if IsTextRow is false"),
        _text("ArticleNumber", note="returned from ArticleId"),
        _text("Text", 2000),
        Field("UnitPrice", "decimal"),
        Field("Quantity", "decimal"),
        Field("DiscountPercentage", "decimal"),
        Field("IsWorkCost", "boolean"),
        Field("Id", "guid", read_only=True, source=_ASSUMED),
    ],
    source=S1,
    read_only="ignore",
)

DRAFT = Contract(
    "CustomerInvoiceDraftApi",
    [
        _ro("Id", "guid"),
        Field("CustomerId", "guid", required=True),
        Field("EuThirdParty", "boolean", required=True),
        Field("RotReducedInvoicingType", "integer", required=True, enum=(0, 1, 2)),
        _text("YourReference", 100),
        _text("OurReference", 100),
        _text("BuyersOrderReference", 35),
        Field("InvoiceDate", "datetime"),
        Field("DueDate", "datetime"),
        Field("DeliveryDate", "datetime"),
        Field("TermsOfPaymentId", "guid"),
        _text("InvoiceAddress1", 50),
        _text("InvoiceAddress2", 50),
        Field("InvoicePostalCode", "text", max_length=10, read_only=True),
        Field("InvoiceCity", "text", max_length=50, read_only=True),
        Field("InvoiceCountryCode", "text", max_length=2, read_only=True),
        _ro("InvoiceCurrencyCode"),
        Field("InvoiceCustomerName", "text", max_length=50, read_only=True),
        _text("DeliveryCustomerName", 50),
        _text("DeliveryAddress1", 50),
        _text("DeliveryAddress2", 50),
        _text("DeliveryCity", 50),
        _text("DeliveryPostalCode", 10),
        _text("DeliveryCountryCode", 2),
        _text("DeliveryMethodName", 50),
        _text("DeliveryTermName", 50),
        _ro("ReverseChargeOnConstructionServices", "boolean"),
        _ro("IncludesVat", "boolean"),
        Field("ReplaceUnitPriceWhenZero", "boolean"),
        Field("CustomerNumber", "text", max_length=16, read_only=True),
        _ro("CustomerName"),
        _ro("CustomerIsPrivatePerson", "boolean"),
        _ro("TotalAmount", "decimal"),
        _ro("TotalVatAmount", "decimal"),
        _ro("TotalRoundings", "decimal"),
        _ro("CreatedUtc", "datetime"),
        Field("Rows", "list", of=DRAFT_ROW),
        _ro("SalesDocumentAttachments", "list"),
        _ro("MessageThreads", "list"),
        _ro("Notes", "list"),
        _ro("MaxAllowedTaxReductionAmount", "decimal"),
    ],
    source=S1,
    read_only="ignore",
)

#: What the plugin reads of a customer invoice (all read-only): which orders it was made
#: from and what is left to pay, so that a flow can select paid orders only.
INVOICE = Contract(
    "CustomerInvoiceApi",
    [
        _ro("Id", "guid"),
        _ro("InvoiceNumber", "integer"),
        _ro("CustomerId", "guid"),
        _ro("CurrencyCode"),
        _ro("TotalAmount", "decimal"),
        Field(
            "RemainingAmount",
            "decimal",
            read_only=True,
            note="left to pay, in the base currency",
        ),
        Field(
            "PaymentStatus",
            "integer",
            read_only=True,
            enum=(0, 1, 2),
            note="0 Paid, 1 Unpaid, 2 Overdue",
        ),
        _ro("PaymentDate", "datetime"),
        Field("IsCreditInvoice", "boolean"),
        Field(
            "CreditedBy",
            "list",
            read_only=True,
            note="the credit invoices made from this one ({CreditInvoiceId})",
        ),
        Field(
            "CreatedFromOrderId",
            "guid",
            read_only=True,
            note="the order it was converted from, if any",
        ),
        _ro("IsCollectiveInvoice", "boolean"),
        Field(
            "CollectiveCustomerInvoiceRowsRelationToOrders",
            "list",
            read_only=True,
            note="a collective invoice's orders ({OrderId, OrderNumber, ...})",
        ),
        _ro("CreatedUtc", "datetime"),
        _ro("ModifiedUtc", "datetime"),
    ],
    source=S1,
)

#: A payment recorded on a customer invoice (``POST customerinvoices/{id}/payments``):
#: only the sandbox takes it, to pay its demo invoices in tests.
INVOICE_PAYMENT = Contract(
    "InvoicePaymentApi",
    [
        Field("CompanyBankAccountId", "guid", required=True),
        Field("PaymentDate", "datetime", note="no future date"),
        _text("Reference", 100),
        Field("PaymentAmount", "decimal", required=True, note="in the invoice currency"),
        _text("PaymentCurrency", required=True),
        Field("DomesticPaymentAmount", "decimal"),
        Field("BankFeeAmount", "decimal", note="0..1 000 000 000"),
        Field(
            "PaymentType",
            "integer",
            required=True,
            enum=(1, 2, 3, 4),
            note="1 PartialPayment, 2 CompletePayment, 3 Rounding, 4 BankCharge",
        ),
        Field("FactoringFeeAmount", "decimal"),
        Field("FactoringFeeAccountNumber", "integer"),
        _ro("BankTransactionId", "guid"),
    ],
    source=S1,
    read_only="ignore",
)

#: A VAT code (``GET /v2/vatcodes``): its rate is a percentage (S1: "The VAT rate as a
#: percentage"), 21 for 21 %.
VAT_CODE = Contract(
    "VatCodeApi",
    [
        _ro("Id", "guid"),
        _text("Code"),
        _text("Description"),
        Field("VatRate", "decimal", note="a percentage: 21 is 21 %"),
    ],
    source=S1,
)

#: An article account coding (``GET /v2/articleaccountcodings``): whether ``VatRatePercent``
#: is a fraction or a percentage S1 does not say ("The VAT rate percent"); the plugin
#: reads one above 1 as a percentage.
CODING = Contract(
    "ArticleAccountCodingApi",
    [
        _ro("Id", "guid"),
        _text("Name"),
        _text("NameEnglish"),
        _text("Type", note="no enum in S1"),
        _text("VatRate", note="a rate code"),
        Field("VatRatePercent", "decimal", note="0.21 or 21: not documented"),
        Field("IsActive", "boolean"),
        _ro("ChangedUtc", "datetime"),
    ],
    source=S1,
)

#: What the plugin reads of the company's settings (``GET /v2/companysettings``).
COMPANY_SETTINGS = Contract(
    "CompanySettingsApi",
    [
        _text("Name", 100),
        _text("CountryCode", 2, note="ISO 3166-1 alpha-2"),
        _ro("CurrencyCode"),
        Field(
            "ShowPricesExclVatPC",
            "boolean",
            read_only=True,
            note="with a private customer, orders and drafts get IncludesVat true: their "
            "row UnitPrice includes VAT",
        ),
    ],
    source=S1,
)


@attrs.frozen
class Number:
    """How a number field is written: its decimals (more are rounded half up) and the
    smallest and largest value the API takes (None: not documented)."""

    decimals: int
    minimum: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(Decimal)
    )
    maximum: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(Decimal)
    )
    source: Source = S1
    note: str = ""


_PRICE = Number(2, 0, 99_000_000)
_FRACTION = Number(4, 0, 1, note="a fraction: 0.1 is 10 %")
#: A row's unit price: "2 decimals allowed if the customer and currency are domestic or 4
#: decimals if customer or currency is foreign" (S1); the documents round it to 2 for a
#: domestic one (:mod:`koppel_eaccounting.documents`).
_UNIT_PRICE = Number(4, note="2 decimals for a domestic customer in the company's currency")
#: The number fields the plugin writes, by endpoint path and field path (``Rows[].X``
#: for every row): rounded to their decimals and refused out of range before sending.
NUMBERS: dict[str, dict[str, Number]] = {
    "articles": {
        "NetPrice": _PRICE,
        "GrossPrice": _PRICE,
        "PurchasePrice": Number(2, 0, 99_000_000, note="rounded to 2 decimals when saved"),
        "StockBalance": Number(2, -(10**15), 10**15),
    },
    "customers": {"DiscountPercentage": _FRACTION},
    "orders": {
        "Rows[].UnitPrice": _UNIT_PRICE,
        "Rows[].Quantity": Number(4),
        "Rows[].DiscountPercentage": _FRACTION,
        "Rows[].DeliveredQuantity": Number(2),
    },
    "customerinvoicedrafts": {
        "Rows[].UnitPrice": _UNIT_PRICE,
        "Rows[].Quantity": Number(2),
        "Rows[].DiscountPercentage": _FRACTION,
    },
}

_WRITES = {"customers": CUSTOMER, "articles": ARTICLE, "orders": ORDER}
_LISTS = (
    "orders",
    "customers",
    "articles",
    "customerinvoicedrafts",
    "vatcodes",
    "termsofpayments",
    "units",
    "articleaccountcodings",
)
_ANSWERS = {"vatcodes": VAT_CODE, "articleaccountcodings": CODING}
_SINGLES = (
    "orders",
    "customers",
    "articles",
    "customerinvoicedrafts",
    "vatcodes",
    "termsofpayments",
)

API = ApiContract(
    "eaccounting",
    [
        *(
            Endpoint("GET", f"/v2/{path}", answer=_ANSWERS.get(path), source=S1, note="S2 too")
            for path in _LISTS
        ),
        *(Endpoint("GET", f"/v2/{path}/{{id}}", source=S1) for path in _SINGLES),
        *(Endpoint("POST", f"/v2/{path}", body=body, source=S1) for path, body in _WRITES.items()),
        *(
            Endpoint("PUT", f"/v2/{path}/{{id}}", body=body, source=S1)
            for path, body in _WRITES.items()
        ),
        Endpoint("GET", "/v2/companysettings", answer=COMPANY_SETTINGS, source=S1),
        Endpoint(
            "DELETE",
            "/v2/customers/{id}",
            source=S1,
            note="S2 too; only a customer without linked transactions (else IsActive false)",
        ),
        Endpoint(
            "DELETE",
            "/v2/orders/{id}",
            source=S1,
            note="S2 too; a shipped or invoiced order cannot be deleted",
        ),
        Endpoint("DELETE", "/v2/customerinvoicedrafts/{id}", source=S1, note="S2 too"),
        Endpoint(
            "GET",
            "/v2/customerinvoices",
            answer=INVOICE,
            source=S1,
            note="S2 too; S1 documents the query modifiedSinceUtc",
        ),
        Endpoint("POST", "/v2/customerinvoices/{id}/payments", body=INVOICE_PAYMENT, source=S1),
        Endpoint("POST", "/v2/customerinvoicedrafts", body=DRAFT, source=S1),
        Endpoint("PUT", "/v2/customerinvoicedrafts/{id}", body=DRAFT, source=S1),
    ],
)

#: The body contract of each resource the plugin writes, by endpoint path.
BODIES = {**_WRITES, "customerinvoicedrafts": DRAFT}
#: The read-only fields of each resource the plugin writes, by endpoint path: left
#: out of a replacing PUT. ``VatRatePercent`` is no API field: the plugin adds it
#: to articles from their coding.
READ_ONLY = {
    path: frozenset({f.name for f in body.fields if f.read_only} | {"VatRatePercent"})
    for path, body in BODIES.items()
}
