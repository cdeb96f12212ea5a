"""What the plugin relies on of the AFAS Profit REST API, each fact with its source.

Read from AFAS's own documentation (REFERENCE.md, "Sources"): the help pages on
help.afas.nl and the developer documentation and OpenAPI specifications AFAS
publishes on GitHub (``AFASSoftware/OASContent``). The UpdateConnector bodies are
built from the specifications' field tables, kept in ``openapi_fields.json``
(name, type, length, allowed values, required per method). The sandbox enforces
these contracts; the client reads URLs, limits and operator codes from here too.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from koppel.sandbox import ApiContract, Contract, Endpoint, Field, FieldType, Source

__all__ = [
    "ACCOUNT_KINDS",
    "API",
    "API_PAGE",
    "ASSUMED",
    "BI_HOWTO",
    "BODIES",
    "CHANGED_DATA",
    "CUSTOM_FIELDS",
    "DELETED_DATA",
    "DELETION_LOGS",
    "ENVIRONMENTS",
    "ERROR",
    "GETCONNECTOR_REFUSALS",
    "GET_CONNECTOR",
    "GET_QUERY",
    "KEYS",
    "LOG_BOOK",
    "MAX_PARALLEL_CALLS",
    "MAX_QUERY_LENGTH",
    "METAINFO_PROFIT3",
    "OPENAPI",
    "OPERATORS",
    "PURCHASE_ENTRIES",
    "TAKE_DEFAULT",
    "TROUBLESHOOTING",
    "UPDATE_CONNECTOR",
    "UPDATE_OBJECTS",
    "body_contract",
    "object_fields",
]

_DAY = "2026-11-25"
_OAS = "github.com/AFASSoftware/OASContent @ 64278d238516d63f22825caaba0c4244d6476a57"

#: Base URLs per environment, the ``AfasToken`` header (base64 of the XML token).
API_PAGE = Source("help.afas.nl/help/EN/SE/App_Cnr_Rest_Api.htm 'REST API for developers'", _DAY)
#: skip/take, filters, operator codes, orderbyfieldids, URL length, metainfo/get.
GET_CONNECTOR = Source(f"{_OAS} markdownpages/profit/en/get-connector.md", _DAY)
#: POST inserts, PUT updates (key fields only required), 201 with the new keys.
UPDATE_CONNECTOR = Source(f"{_OAS} markdownpages/profit/en/update-connector.md", _DAY)
#: Error bodies (externalMessage, errorNumber, profitLogReference), status codes, 8 calls.
TROUBLESHOOTING = Source(f"{_OAS} markdownpages/profit/en/troubleshooting.md", _DAY)
#: The UpdateConnector schemas and the metainfo endpoints (Profit API 6.6.9).
OPENAPI = Source(f"{_OAS} OpenApiSpecs/profit/en/*.json", _DAY)
#: Changed records by a filter on the modification date (audit fields).
CHANGED_DATA = Source("help.afas.nl/help/NL/SE/App_Cnnct_View_Audit.htm", _DAY)
#: Deleted records: a GetConnector on a log table where Profit logs one, else a full load.
DELETED_DATA = Source("help.afas.nl/help/NL/SE/App_Cnnct_Deleted_Data.htm", _DAY)
#: The log book: per table and field what Profit logs, from the moment it is switched on.
LOG_BOOK = Source("help.afas.nl/help/NL/SE/App_Log_Book.htm", _DAY)
#: Hard deletes; a full load suits small data (below 2,000 rows and 20 columns).
BI_HOWTO = Source(f"{_OAS} markdownpages/profit/nl/howto-bi.md", _DAY)
#: A metainfo/update field: fieldId, primaryKey, dataType, label, mandatory, length, values.
CUSTOM_FIELDS = Source(f"{_OAS} markdownpages/profit/en/custom-fields.md", _DAY)
#: Since Profit 3 a field with a default value is not ``mandatory`` in the metainfo.
METAINFO_PROFIT3 = Source(f"{_OAS} markdownpages/profit/en/news-profit3.md", _DAY)
#: A purchase booking: the creditor number in AcNr with VaAs 3, the invoice number InId.
PURCHASE_ENTRIES = Source(f"{_OAS} markdownpages/profit/en/howto-finance-mutation-purch.md", _DAY)
#: What no AFAS page says; each use names what is assumed (REFERENCE.md, "Assumptions").
ASSUMED = Source("assumption of koppel-afas, not read in AFAS's documentation", _DAY)

#: The REST host's middle part per environment: ``https://{participant}.{host}.afas.online``.
ENVIRONMENTS = {"production": "rest", "test": "resttest", "accept": "restaccept"}
#: Rows a GetConnector answers when no ``take`` is given.
TAKE_DEFAULT = 100
#: The longest query string (from ``?``) AFAS takes; a longer one is answered 404.
MAX_QUERY_LENGTH = 2049
#: "A maximum of 8 parallel calls are allowed" (TROUBLESHOOTING); get-connector.md
#: advises "up to 5 simultaneous calls" for split reads.
MAX_PARALLEL_CALLS = 8
#: The starts of GetConnector errors that a setting or Profit's definition must fix, not a
#: retry (TROUBLESHOOTING, "GetConnector errors"; answered 500).
GETCONNECTOR_REFUSALS = (
    "Connector field",
    "GetConnector not supported for this app",
    "This GetConnector (definition) is blocked",
)
#: ``operatortypes`` codes (GET_CONNECTOR, "Filtering").
OPERATORS = {
    1: "=",
    2: ">=",
    3: "<=",
    4: ">",
    5: "<",
    6: "contains",
    7: "!=",
    8: "is empty",
    9: "is not empty",
    10: "starts with",
    11: "does not contain",
    12: "does not start with",
    13: "ends with",
    14: "does not end with",
    15: "quick filter",
}

#: What ``AcNr`` names on a FiEntries line, by ``VaAs`` ("1 = Grootboekrekening; 2 =
#: Debiteur; 3 = Crediteur", OPENAPI; PURCHASE_ENTRIES).
ACCOUNT_KINDS = {"1": "ledger", "2": "debtor", "3": "creditor"}
#: The log data collections of deleted records koppel reads, by GetConnector role
#: (DELETED_DATA, "Methode Logboek"; the log table in brackets). Other roles: a full load.
DELETION_LOGS = {"creditors_deleted": "Wijzigingen inkooprelatiegegevens (Profit) [Inkooprelatie]"}

#: The key field of each UpdateConnector's main object: given on PUT, answered on 201.
KEYS = {
    "KnSalesRelationOrg": "DbId",
    "KnSalesRelationPer": "DbId",
    "KnPurchaseRelationOrg": "CrId",
    "KnPurchaseRelationPer": "CrId",
    "FbItemArticle": "ItCd",
    "FbSales": "OrNu",
    "FbSalesQuotation": "OrNu",
    "FiEntryPar": "EnNo",
}
#: Nested objects koppel sends, per object (OPENAPI); ``[]`` marks objects with several rows.
UPDATE_OBJECTS: dict[str, tuple[str, ...]] = {
    "KnSalesRelationOrg": ("KnOrganisation",),
    "KnSalesRelationPer": ("KnPerson",),
    "KnPurchaseRelationOrg": ("KnOrganisation",),
    "KnPurchaseRelationPer": ("KnPerson",),
    "KnOrganisation": ("KnBasicAddressAdr",),
    "KnPerson": ("KnBasicAddressAdr",),
    "FbSales": ("FbSalesLines[]",),
    "FbSalesQuotation": ("FbSalesQuotationLines[]",),
    "FiEntryPar": ("FiEntries[]",),
}
#: Required fields the schemas mark that AFAS's examples leave out, and why (REFERENCE.md).
_CONDITIONAL = {
    "KnOrganisation": {"BcCo": "required unless AutoNum is true (the sandbox checks it)"},
    "KnPerson": {"BcCo": "required unless AutoNum is true (the sandbox checks it)"},
}

_TYPES: dict[str, FieldType] = {
    "text": "text",
    "date": "date",
    "datetime": "datetime",
    "integer": "integer",
    "decimal": "decimal",
    "boolean": "boolean",
}


@cache
def _table() -> dict[str, Any]:
    text = resources.files("koppel_afas").joinpath("openapi_fields.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    objects: dict[str, Any] = data["objects"]
    return objects


def object_fields(name: str, method: str) -> tuple[Field, ...]:
    """The ``Fields`` of UpdateConnector object ``name`` for ``method`` (post, put)."""
    item = _table()[name]
    required = set(item["required"].get(method, ())) - set(_CONDITIONAL.get(name, {}))
    fields = []
    for field_name, kind, max_length, enum in item["fields"]:
        fields.append(
            Field(
                field_name,
                _TYPES[kind],
                required=field_name in required,
                max_length=max_length,
                enum=tuple(enum or ()),
                note=_CONDITIONAL.get(name, {}).get(field_name, ""),
            )
        )
    return tuple(fields)


def _element(name: str, method: str) -> Contract:
    # Several rows (lines) are inserted on the parent's POST or PUT, so take post's required.
    nested = []
    for child in UPDATE_OBJECTS.get(name, ()):
        many = child.endswith("[]")
        child_name = child.removesuffix("[]")
        element = _element(child_name, "post" if many else method)
        wrapper = Contract(
            child_name,
            [
                Field(
                    "Element",
                    "list" if many else "object",
                    required=True,
                    of=element,
                    nullable=False,
                )
            ],
            source=OPENAPI,
        )
        nested.append(Field(child_name, "object", of=wrapper, nullable=False))
    fields = [
        Field(
            "Fields",
            "object",
            required=True,
            nullable=False,
            of=Contract(f"{name}.Fields", object_fields(name, method), source=OPENAPI),
        )
    ]
    if name in KEYS:
        fields.append(
            Field(f"@{KEYS[name]}", "text", note="the key as an attribute (AFAS's examples)")
        )
    if nested:
        objects = Contract(f"{name}.Objects", nested, source=OPENAPI)
        fields.append(Field("Objects", "list", of=objects, nullable=False))
    return Contract(f"{name}.Element", fields, source=OPENAPI)


@cache
def body_contract(name: str, method: str) -> Contract:
    """The body of ``method`` (POST, PUT) on UpdateConnector ``name``:
    ``{name: {"Element": {"Fields": {...}, "Objects": [...]}}}``."""
    method = method.lower()
    top = Contract(
        name,
        [Field("Element", "object", required=True, nullable=False, of=_element(name, method))],
        source=OPENAPI,
    )
    return Contract(
        f"{method.upper()} /connectors/{name}",
        [Field(name, "object", required=True, nullable=False, of=top)],
        source=OPENAPI,
    )


#: (UpdateConnector, method) -> its body: the connectors koppel writes, as documented.
BODIES = {
    (connector, method): body_contract(
        "FiEntryPar" if connector == "FiEntries" else connector, method
    )
    for connector, methods in {
        "KnSalesRelationOrg": ("POST", "PUT"),
        "KnSalesRelationPer": ("POST", "PUT"),
        "KnPurchaseRelationOrg": ("POST", "PUT"),
        "KnPurchaseRelationPer": ("POST", "PUT"),
        "FbItemArticle": ("POST", "PUT"),
        "FbSales": ("POST",),
        "FbSalesQuotation": ("POST",),
        "FiEntries": ("POST",),
    }.items()
    for method in methods
}

#: The query of ``GET /connectors/{id}`` (GET_CONNECTOR). Unknown parameters are assumed
#: ignored, not refused (ASSUMED).
GET_QUERY = Contract(
    "GetConnector query",
    [
        Field("skip", "integer"),
        Field("take", "integer"),
        Field("filterfieldids", "text"),
        Field("filtervalues", "text"),
        Field("operatortypes", "text", pattern=r"^[0-9]+([,;][0-9]+)*$"),
        Field("orderbyfieldids", "text"),
        Field("filterjson", "text"),
    ],
    source=GET_CONNECTOR,
    unknown="ignore",
)

#: An error answer (TROUBLESHOOTING): a short message for the user, Profit's error
#: number and the reference to the environment's log book.
ERROR = Contract(
    "Error",
    [
        Field("externalMessage", "text"),
        Field("errorNumber", "integer"),
        Field("profitLogReference", "text"),
    ],
    source=TROUBLESHOOTING,
)

API = ApiContract(
    "afas",
    [
        Endpoint(
            "GET", "/ProfitRestServices/connectors/{id}", query=GET_QUERY, source=GET_CONNECTOR
        ),
        Endpoint(
            "POST",
            "/ProfitRestServices/connectors/{id}",
            source=UPDATE_CONNECTOR,
            note="the body per UpdateConnector: BODIES",
        ),
        Endpoint(
            "PUT",
            "/ProfitRestServices/connectors/{id}",
            source=UPDATE_CONNECTOR,
            note="the body per UpdateConnector: BODIES",
        ),
        Endpoint("GET", "/ProfitRestServices/metainfo", source=OPENAPI),
        Endpoint("GET", "/ProfitRestServices/metainfo/get/{id}", source=GET_CONNECTOR),
        Endpoint(
            "GET",
            "/ProfitRestServices/metainfo/update/{id}",
            source=OPENAPI,
            note="name, description and fields documented (OPENAPI, CUSTOM_FIELDS); the "
            "nested objects are an assumption (REFERENCE.md)",
        ),
    ],
)
