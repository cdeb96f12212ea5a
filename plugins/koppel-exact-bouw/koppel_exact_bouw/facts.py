"""What this connector relies on about the Exact Online Bouw (Bouw7) API, each with its source.

Exact Online Bouw's API is Bouw7's *Heimdall* (``https://heimdall.bouw7.nl``). Bouw7
publishes no reference pages that could be read for this plugin; the facts come from
the public client generated from Heimdall's Swagger description (:data:`SDK`), from
published clients of the live API (:data:`CLIENTS`) and from Zenvoices' help on its
Exact Online Bouw link (:data:`ZENVOICES`). What none of them says is :data:`ASSUMED`
and listed in README.md under *Assumptions*. The sandbox enforces these facts; the
client and the resources read paths, names and limits from here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs

from koppel.sandbox import ApiContract, Contract, Endpoint, Field, Source

__all__ = [
    "API",
    "ASSUMED",
    "BASE_URL",
    "CLIENTS",
    "CONTACT",
    "CONTACTS",
    "CONTACT_TYPES",
    "CONTRACTS",
    "DELETED_PROJECTS",
    "DELIVERY_TICKETS",
    "LOGIN",
    "LOGIN_PATH",
    "MAX_PAGE_SIZE",
    "MODEL_PURCHASE_ORDER",
    "PROJECTS",
    "PURCHASE_INVOICE",
    "PURCHASE_INVOICES",
    "PURCHASE_INVOICE_DOCUMENT",
    "SDK",
    "TOKEN_FALLBACK_LIFETIME",
    "ZENVOICES",
    "ListEndpoint",
]

SDK = Source(
    "github.com/woub-chat/bouw7-sdk: PHP client generated from Heimdall's Swagger "
    "(API 1.0.0): README.md (host, endpoints, Bearer auth), docs/Api/*.md, docs/Model/*.md, "
    "lib/Model/*.php (JSON names)",
    "2026-11-25",
)
CLIENTS = Source(
    "published clients of the live Heimdall API in the public code index (a TypeScript "
    "Bouw7Client with response types checked against the live API, 2026, and two scripts): "
    "login, JWT expiry, one new login after a 401, q with LIMIT, ?limit/?offset ignored, "
    "a field that is not HQL-mapped answered 400, POST answers with the saved record; "
    "/list/purchase-invoices by project.id and its item fields; a purchase invoice's lines "
    "only in GET /purchase-invoicing/purchase-invoice/{id}, one call per invoice; "
    "/list/projects item fields (projectNumber, status, contact, updatedAt)",
    "2026-11-25",
)
ZENVOICES = Source(
    "help.zenvoices.com: 'Verplichtingen uit AFAS en Exact Online Bouw (voorheen Bouw7) "
    "afletteren' and 'Points of attention when integrating with Exact Online Bouw': "
    "commitments match by delivery note (leverbon) number; a commitment not fully settled "
    "gets a new commitment for the remaining amount; a booking line says whether the "
    "commitment is handled",
    "2026-11-25",
)
ASSUMED = Source(
    "assumption of koppel-exact-bouw, not found in public material (README.md, Assumptions)",
    "2026-11-25",
)

#: The API's root (SDK README: "All URIs are relative to https://heimdall.bouw7.nl").
BASE_URL = "https://heimdall.bouw7.nl"
#: Login with the API key for a bearer token: ``POST`` with the form field ``apiKey``
#: answers ``{"token": "<JWT>"}`` (CLIENTS); ``{app}`` is the application's name.
LOGIN_PATH = "/auth/login/{app}/apiKey"
#: Seconds a token is trusted when it carries no readable JWT ``exp`` (CLIENTS uses 10 min).
TOKEN_FALLBACK_LIFETIME = 600.0
#: The largest ``LIMIT`` the plugin asks for (CLIENTS ask LIMIT 1000; the API's own
#: maximum is ASSUMED to be at least that).
MAX_PAGE_SIZE = 1000
#: ``modelType`` of a purchase invoice line booked on a purchase order contract
#: (SDK PurchaseInvoiceDocumentLine: 1 = SubcontractorContract, 2 = PurchaseOrderContract,
#: 3 = Project).
MODEL_PURCHASE_ORDER = 2

LOGIN = Contract("Login form", [Field("apiKey", "text", required=True)], source=CLIENTS)
#: Query parameters of every ``/list/...`` endpoint: one Heimdall Query Language string.
#: Other parameters (``limit``, ``offset``) are ignored by the live API (CLIENTS).
LIST_QUERY = Contract("List query", [Field("q", "text")], source=SDK, unknown="ignore")

_ID = Field("id", "integer", required=True)
REFERENCE = Contract("Reference", [_ID], source=SDK)

CONTACT = Contract(
    "FullContact",
    [
        Field("id", "integer"),
        Field("name", "text", required=True, nullable=False),
        Field("contactType", "object", required=True, of=REFERENCE),
        Field("streetName", "text"),
        Field("houseNumber", "text"),
        Field("zipCode", "text"),
        Field("city", "text"),
        Field("countryCode", "text", max_length=2),
        Field("email", "text"),
        Field("phoneNumber", "text"),
        Field("vatNumber", "text"),
        Field("cocNumber", "text"),
        Field("accountNumber", "text"),
        Field("glAccountCodePurchase", "text"),
        Field("information", "text"),
        Field("createdAt", "datetime", read_only=True),
        Field("updatedAt", "datetime", read_only=True),
    ],
    source=SDK,
)

_LINE_TICKET = Contract(
    "DeliveryTicketWithProjectDetails",
    [
        _ID,
        Field("ticketNumber", "text"),
        Field("ticketDate", "text"),
        Field("cost", "text"),
        Field("processed", "boolean"),
    ],
    source=SDK,
)
PURCHASE_INVOICE_LINE = Contract(
    "PurchaseInvoiceDocumentLine",
    [
        Field("id", "integer"),
        Field("description", "text", required=True),
        Field("quantity", "text", required=True),
        Field("unitPrice", "text", required=True),
        Field("subTotal", "text", required=True),
        Field("vatTariffId", "integer", required=True),
        Field("vatTariffPercentage", "text"),
        Field("ledger", "text"),
        Field("costCenter", "text"),
        Field("deliveryTicket", "object", of=_LINE_TICKET),
        Field("modelId", "integer"),
        Field("modelType", "integer", enum=(1, 2, 3)),
        Field("createDeliveryTicketForRemainingCosts", "boolean"),
    ],
    source=SDK,
)
PURCHASE_INVOICE = Contract(
    "PurchaseInvoiceDocument",
    [
        Field("id", "integer"),
        Field("invoiceNumber", "text", required=True, nullable=False),
        Field("contact", "object", required=True, of=REFERENCE),
        Field("date", "text", required=True, nullable=False),
        Field("dueDate", "text"),
        Field("status", "integer", required=True),
        Field("orderNumber", "text"),
        Field("paymentReference", "text"),
        Field("comments", "text"),
        Field("lines", "list", of=PURCHASE_INVOICE_LINE),
        Field("createdAt", "datetime", read_only=True),
        Field("updatedAt", "datetime", read_only=True),
    ],
    source=SDK,
)


@attrs.frozen
class ListEndpoint:
    """A ``GET /list/...`` endpoint: rows in ``{"items", "count", "limit", "offset"}``
    (SDK ``*List`` models), selected and paged by a ``q`` string.

    :param name: the sandbox's collection of its rows (demo.py).
    :param path: the path below :data:`BASE_URL`.
    :param mapped: the fields its ``q`` may name; the live API answers 400 for a field that
        is not HQL-mapped (CLIENTS). Which fields are mapped is ASSUMED beyond ``id`` and
        ``project.id`` (CLIENTS).
    :param changed: the modification-time field (SDK ``updatedAt``, ATOM/ISO-8601).
    """

    name: str
    path: str
    mapped: tuple[str, ...]
    changed: str = "updatedAt"

    @property
    def endpoint(self) -> Endpoint:
        """The endpoint's facts, for the sandbox's route."""
        return Endpoint("GET", _pattern(self.path), query=LIST_QUERY, source=SDK)


def _pattern(path: str) -> str:
    return urlsplit(BASE_URL).path.rstrip("/") + path


#: Contacts (relations): SDK ContactListItem.
CONTACTS = ListEndpoint(
    "contacts", "/list/contacts", ("id", "name", "emailAddress", "type.id", "updatedAt")
)
#: Purchase order contracts (inkooporders), the commitments: SDK PurchaseOrderContractListItem.
CONTRACTS = ListEndpoint(
    "contracts",
    "/list/purchase-order-contracts",
    ("id", "number", "status", "project.id", "supplier.id", "updatedAt"),
)
#: Delivery tickets (leverbonnen), the commitment lines: SDK DeliveryTicketListItem, with the
#: ``contract`` the detail DeliveryTicket carries (ASSUMED on the list item).
DELIVERY_TICKETS = ListEndpoint(
    "tickets",
    "/list/delivery-tickets",
    (
        "id",
        "number",
        "isProcessed",
        "contract.id",
        "project.id",
        "supplier.id",
        "purchaseInvoiceInvoiceNumber",
        "updatedAt",
    ),
)
#: Purchase invoices (inkoopfacturen): SDK PurchaseInvoiceListItem; ``project.id`` was seen
#: live (CLIENTS), the other mapped fields are ASSUMED. The list item has no lines.
PURCHASE_INVOICES = ListEndpoint(
    "invoices",
    "/list/purchase-invoices",
    ("id", "invoiceNumber", "status", "project.id", "supplier.id", "updatedAt"),
)
#: One purchase invoice with its lines (SDK PurchaseInvoicingApi getPurchaseInvoice, answering
#: PurchaseInvoiceDocument): the only place the lines are (CLIENTS: no
#: ``/list/purchase-invoice-lines``, no ``/purchase-invoice/{id}``; one call per invoice).
PURCHASE_INVOICE_DOCUMENT = "/purchase-invoicing/purchase-invoice/{id}"
#: Projects: SDK ProjectApi listProjects, ProjectListItem (CLIENTS read ``projectNumber``,
#: ``status``, ``contact``, ``updatedAt`` live); which fields are mapped is ASSUMED.
PROJECTS = ListEndpoint(
    "projects",
    "/list/projects",
    ("id", "projectNumber", "status.id", "contact.id", "parentId", "updatedAt"),
)
#: ``GET /deleted-projects``: the organisation's deleted projects, unpaged, each with its
#: ``deletedAt`` (SDK ProjectApi getDeletedProjects, DeletedProject).
DELETED_PROJECTS = "/deleted-projects"
#: ``GET /contact-types``: the contact types ``[{"id", "name"}]`` (SDK ContactType).
CONTACT_TYPES = "/contact-types"

LISTS = (CONTACTS, CONTRACTS, DELIVERY_TICKETS, PURCHASE_INVOICES, PROJECTS)
API = ApiContract(
    "exact-bouw",
    [
        Endpoint("POST", _pattern(LOGIN_PATH), source=CLIENTS, note="form body: apiKey"),
        Endpoint("GET", _pattern(CONTACT_TYPES), source=SDK),
        Endpoint("GET", _pattern(DELETED_PROJECTS), source=SDK),
        Endpoint("GET", _pattern(PURCHASE_INVOICE_DOCUMENT), answer=PURCHASE_INVOICE, source=SDK),
        *(listed.endpoint for listed in LISTS),
        Endpoint("POST", _pattern("/contact"), body=CONTACT, answer=CONTACT, source=SDK),
        Endpoint("DELETE", _pattern("/contact"), body=REFERENCE, source=SDK),
        Endpoint(
            "POST",
            _pattern("/purchase-invoice"),
            body=PURCHASE_INVOICE,
            answer=PURCHASE_INVOICE,
            source=SDK,
        ),
    ],
)
