"""The facts of AccountView.net's API that the plugin relies on, each with its source.

No official AccountView reference is public (``REFERENCE.md``, "Sources"), so
the facts come from AccountView's own data dictionary as recorded by a public
client (S1: rows of ``DCT_FLD``: ``FIELD_TYPE``, ``FIELD_LEN``, ``INP_MAND``,
``COM_BLK``) and from working client code (S3, S6). A fact no source gives is
recorded with :data:`ASSUMED`. The sandbox refuses what breaks these contracts;
the writer (:func:`koppel_accountview.wire.build_write`) refuses text longer
than a field holds before sending it.

Writes are positional (a table definition and rows of values): the body of
``POST accountviewdata`` (create) and ``PUT accountviewdata`` (a debtor's update)
has no contract of its own; each decoded row is checked against its table's
contract in :data:`ROWS`. Reads are checked against :data:`READ_QUERY`, the query
parameters public clients send.
"""

from __future__ import annotations

from collections.abc import Mapping

from koppel.sandbox import ApiContract, Contract, Endpoint, Field, Source

__all__ = [
    "API",
    "ASSUMED",
    "COMPANY",
    "CONTACT",
    "DEL_ADDR",
    "DJ_LINE",
    "DJ_PAGE",
    "FILTER_OPERATORS",
    "FILTER_SLOTS",
    "READ_QUERY",
    "ROWS",
    "SO_HDR",
    "SO_LINE",
    "WRITES",
    "max_length",
]

_READ = "2026-11-25"
_S1 = "github:omniboost/go-accountview.net@844ac1c3b0b17c2132eea2128971ea1f781d8e60"
_S3 = "github:svitlanahasynets/apicenter.web-company.com@47ff7bd9a19aa1ea60ecbb0b9008c522222bf74e"

#: S1's recorded data dictionary (``DCT_FLD``) of each table.
S1_CONTACT = Source(f"{_S1} fields/contact.json", _READ)
S1_DJ_PAGE = Source(f"{_S1} fields/dj_page.json", _READ)
S1_DJ_LINE = Source(f"{_S1} fields/dj_line.json", _READ)
S1_CLIENT = Source(f"{_S1} client.go, types.go", _READ)
S1_POST = Source(f"{_S1} accountview_data_post.go", _READ)
#: S3's webshop connector: the fields it writes to SO1 and ADDR, with their FieldType.
S3_MODEL = Source(f"{_S3} application/models/Accountview_model.php", _READ)
#: S6: a Free Pascal AccountView client (the index names no repository) that creates with
#: POST and updates a debtor with PUT of the same envelope plus ``id``, never a DJ2 page.
S6_CLIENT = Source(
    "search-index file id 41611930994 (unit ulcsAccountViewUtility, 2023-10-26) SendToAccServer",
    _READ,
)
_S7 = "https://documentation.invantive.com/2017R2/account-view-data-model/webhelp/"
#: S7: Invantive's dump of AccountView's data model: ART_HDR and ART_LINE, the tables the
#: sales order's SO_HDR and SO_LINE are taken to be views of (inferred, REFERENCE.md).
S7_ART_HDR = Source(f"{_S7}invantive-av-provider-accountview--art_hdr.html (inferred)", _READ)
S7_ART_LINE = Source(f"{_S7}invantive-av-provider-accountview--art_line.html (inferred)", _READ)
#: CONTACT's field of the same meaning, taken for SO_HDR's (inferred).
S1_CONTACT_NAME = Source(f"{_S1} fields/contact.json, CONTACT's name (inferred)", _READ)
#: S2 reads creditors as business object AP1 of table CONTACT (``creditors``), beside
#: debtors as AR1; that AP1 is written as AR1 is (POST, PUT of CONTACT) is inferred.
S2_CREDITORS = Source(
    "github:ForecastXL/accountview-ruby@c0f5a5b58970c0ad1e7bbefdf94eaeb4f52e35de "
    "lib/accountview/api_methods.rb creditors (AP1, contact.sub_nr); writes inferred",
    _READ,
)
#: A fact no source gives (REFERENCE.md "Could not verify").
ASSUMED = Source(
    "assumption: no data dictionary of this table was found (REFERENCE.md, Could not verify)",
    _READ,
)
_S1_S6_SEND_T = Source(
    f"{_S1} fields/*.json says D; S1 dj_page_type.go and S6 send FieldType T "
    "(accepted: inferred, REFERENCE.md mismatch 11)",
    _READ,
)

#: Debtors (AR1, table CONTACT): the fields the plugin writes, from the dictionary.
CONTACT = Contract(
    "CONTACT",
    [
        Field("SUB_NR", "text", required=True, nullable=False, max_length=10),
        Field("ACCT_NR", "text", max_length=10),
        Field("ACCT_NAME", "text", required=True, nullable=False, max_length=40),
        Field("SRC_CODE", "text", required=True, nullable=False, max_length=10),
        Field("MAIN_CONT", "text", max_length=40, note="contact person (no CONT_NAME)"),
        Field("ADDRESS1", "text", max_length=80),
        Field("POST_CODE", "text", max_length=10),
        Field("CITY", "text", max_length=35),
        Field("CNT_CODE", "text", max_length=2),
        Field("MAIL_BUS", "text", max_length=50),
        Field("TEL_BUS", "text", max_length=20),
        Field("TEL_MOB", "text", max_length=20),
        Field("VAT_NR", "text", max_length=14),
        Field("IBAN_NR", "text", max_length=34, note="IBAN 1"),
        Field("DISC_CODE", "text", max_length=2, note="payment condition (no PAY_COND)"),
        Field("CNG_DATE", "datetime", read_only=True, note="COM_BLK"),
    ],
    source=S1_CONTACT,
)

#: Journal page header (DJ2, table DJ_PAGE).
DJ_PAGE = Contract(
    "DJ_PAGE",
    [
        Field("PAGE_NR", "text", read_only=True, max_length=10, note="mandatory, COM_BLK: issued"),
        Field("DJ_CODE", "text", required=True, nullable=False, max_length=3),
        Field("HDR_DESC", "text", required=True, nullable=False, max_length=40),
        Field("INV_NR", "text", max_length=12, note="the plugin's match key"),
        Field("SUB_NR", "text", max_length=10),
        Field("CUR_CODE", "text", max_length=3),
        Field("TRN_DATE", "datetime", source=_S1_S6_SEND_T),
    ],
    source=S1_DJ_PAGE,
)

#: Journal page line (DJ2, table DJ_LINE). DJ_CODE, PAGE_NR, REC_ID, SRC_ID,
#: SRC_TYPE and TRN_DATE are mandatory in the dictionary but S6 writes lines without
#: them (filled by AccountView: inferred), so they are not required here.
DJ_LINE = Contract(
    "DJ_LINE",
    [
        Field("ACCT_NR", "text", required=True, nullable=False, max_length=10),
        Field(
            "SUB_NR",
            "text",
            max_length=10,
            note="Debiteur-/crediteurnummer: the relation; ACCT_NR holds the ledger account",
        ),
        Field("COST_CODE", "text", max_length=10),
        Field("AMOUNT", "decimal", note="Y Mutatiebedrag, administration currency mask"),
        Field("CUR_AMT", "decimal", note="Y Valutabedrag: the foreign-currency amount"),
        Field("CUR_CODE", "text", max_length=3),
        Field("BASE_AMT", "decimal", note="Y Basisbedrag BTW: the VAT base; optional, not sent"),
        Field("VAT_CODE", "text", max_length=2),
        Field("VAT_AMT", "decimal"),
        Field("TRN_DATE", "datetime", source=_S1_S6_SEND_T, note="mandatory; S6 omits it"),
        Field("TRN_DESC", "text", max_length=40),
    ],
    source=S1_DJ_LINE,
)

#: Sales order header (SO1, table SO_HDR): S3 writes the fields marked with its source;
#: the others, and every type and length, are assumptions.
SO_HDR = Contract(
    "SO_HDR",
    [
        Field("ORD_NR", "text", read_only=True, note="issued: not verified"),
        Field("ORD_REF", "text", source=ASSUMED, note="in no source (REFERENCE.md mismatch 14)"),
        Field("ORD_DATE", "datetime", source=S3_MODEL),
        Field("DEL_DATE", "datetime", source=S3_MODEL),
        Field("RPL_INV", "text", required=True, source=S3_MODEL),
        Field("RPL_DEL", "text", source=S3_MODEL),
        Field("DEL_CODE", "text", source=S3_MODEL),
        Field("COMMENT1", "text", source=S3_MODEL),
        Field("TO_EMAIL", "text", source=S3_MODEL),
        Field("PD_AMT", "decimal", source=S3_MODEL),
        Field("INCL_VAT", "boolean", source=ASSUMED, note="in no source"),
        Field("CUR_CODE", "text", max_length=3, source=S7_ART_HDR, note="Valutacode"),
        Field(
            "PAY_COND",
            "text",
            source=ASSUMED,
            note="ART_HDR has DISC_CODE C 2 (S7); kept until the flows' lookups fit 2",
        ),
        Field("PAY_METH", "text", source=ASSUMED, note="in no source"),
        Field(
            "SHIP_MTH",
            "text",
            max_length=10,
            source=S1_CONTACT_NAME,
            note="Vervoersmethode; S5 reads hst_ah.ship_mth (no SHP_METH)",
        ),
    ],
    source=ASSUMED,
)

#: Sales order line (SO1, table SO_LINE).
SO_LINE = Contract(
    "SO_LINE",
    [
        Field("ART_CODE", "text", required=True, source=S3_MODEL),
        Field(
            "ART_DESC1",
            "text",
            max_length=40,
            source=S7_ART_LINE,
            note="Omschrijving orderregel (no ART_DESC)",
        ),
        Field("ORD_QTY", "decimal", source=S3_MODEL),
        Field("ART_PX", "decimal", source=S3_MODEL),
        Field("DISC_PCT", "decimal", source=S7_ART_LINE, note="Kortingspercentage"),
        Field("VAT_CODE", "text", source=ASSUMED),
        Field("DEL_DATE", "datetime", source=S3_MODEL),
    ],
    source=ASSUMED,
)

#: Delivery address (ADDR, table DEL_ADDR): fields seen in S3, lengths not known.
DEL_ADDR = Contract(
    "DEL_ADDR",
    [
        Field("REC_ID", "text", read_only=True, note="issued, read from the write answer"),
        Field("SUB_NR", "text", required=True),
        Field("DEL_NAME", "text"),
        Field("ADDRESS1", "text"),
        Field("POST_CODE", "text"),
        Field("CITY", "text"),
        Field("CNT_CODE", "text"),
        Field("MAIL_BUS", "text"),
        Field("TEL_BUS", "text"),
    ],
    source=S3_MODEL,
)

#: An entry of ``GET Companies``.
COMPANY = Contract(
    "Company",
    [Field("Id", "text"), Field("Description", "text"), Field("Code", "text")],
    source=S1_CLIENT,
)

#: The contract of each table's rows in a write, by table name.
ROWS: Mapping[str, Contract] = {
    c.name: c for c in (CONTACT, DJ_PAGE, DJ_LINE, SO_HDR, SO_LINE, DEL_ADDR)
}

#: S1's request type for reads: its query parameters (two filter slots).
S1_GET = Source(f"{_S1} accountview_data_get.go AccountviewDataGetRequestQueryParams", _READ)
#: S3's reads: PageNumber, and the operators Equal and DateOnOrAfterDate.
S3_GET = Source(f"{_S3} application/models/Accountview_model.php getArticles, getDebtors", _READ)
#: S2's reads: keyset paging (lastKey) and a free FoxPro expression (Filter).
S2_GET = Source(
    "github:ForecastXL/accountview-ruby@c0f5a5b58970c0ad1e7bbefdf94eaeb4f52e35de "
    "lib/accountview/api_methods.rb",
    _READ,
)
#: S5's reads: matchAnyFilter and the operator notequal.
S5_GET = Source("search-index file id 33315477177 (compiled Angular app)", _READ)
#: The filter operators a source uses: Equal (S3, S6), Contains (S1's dictionary
#: read), DateOnOrAfterDate (S3), notequal (S5). AccountView may know more; none
#: other is shown.
FILTER_OPERATORS = ("Equal", "Contains", "DateOnOrAfterDate", "notequal")
#: How many conditions a read takes: S1 declares FilterControlSource1 and 2, the
#: others use one; more are not shown.
FILTER_SLOTS = 2


def _filter_fields(n: int) -> list[Field]:
    return [
        Field(f"FilterControlSource{n}", "text", note="a field of the business object's table"),
        Field(f"FilterOperator{n}", "text", enum=FILTER_OPERATORS, source=S3_GET),
        Field(f"FilterValueType{n}", "text", enum=("C", "N", "I", "T", "D", "L", "Y", "B", "M")),
        Field(
            f"FilterValue{n}",
            "text",
            note="a list: comma-separated; the plugin sends 50 values at most (no maximum "
            "documented)",
        ),
        Field(f"FilterIsListOfValues{n}", "boolean"),
    ]


#: The query of ``GET accountviewdata``: the parameters S1 and S3 send, nothing else.
READ_QUERY = Contract(
    "accountviewdata query",
    [
        Field("BusinessObject", "text", required=True, nullable=False),
        Field("PageSize", "integer", note="no maximum documented; S1 asks up to 1000"),
        Field("PageNumber", "integer", source=S3_GET, note="from 1"),
        Field("Fields", "text", note="table.field, comma-separated"),
        Field("BookDate", "date"),
        *(field for n in range(1, FILTER_SLOTS + 1) for field in _filter_fields(n)),
        Field("SortFields", "text"),
        Field("SortOrder", "text", enum=("Ascending", "Descending")),
        Field("lastKey", "text", source=S2_GET, note="keyset paging: the last row's key"),
        Field("Filter", "text", source=S2_GET, note="a FoxPro expression"),
        Field("matchAnyFilter", "boolean", source=S5_GET, note="true: filters OR-ed"),
    ],
    source=S1_GET,
)

_PREFIX = "/api/v3"
#: Every endpoint the plugin calls, as the sandbox routes it.
API = ApiContract(
    "accountview",
    [
        Endpoint(
            "POST",
            f"{_PREFIX}/token",
            source=Source(f"{_S3} application/models/Accountview_model.php getToken", _READ),
            note="form-encoded, credentials in the body",
        ),
        Endpoint("GET", f"{_PREFIX}/Companies", answer=COMPANY, source=S1_CLIENT),
        Endpoint(
            "GET",
            f"{_PREFIX}/accountviewdata",
            query=READ_QUERY,
            source=Source(f"{_S1} acct_rec_get.go; {_S3} Accountview_model.php", _READ),
            note="rows as {TABLE: [row, ...]}; no paging metadata",
        ),
        Endpoint(
            "POST",
            f"{_PREFIX}/accountviewdata",
            source=S1_POST,
            note="creates: positional rows, each checked against its table's contract",
        ),
        Endpoint(
            "PUT",
            f"{_PREFIX}/accountviewdata",
            source=S6_CLIENT,
            note="updates a debtor (AR1; a creditor, AP1, likewise: inferred): the POST "
            "envelope plus id, the row's key; S6: no PUT for journal pages (DJ2)",
        ),
    ],
)


#: The rows of each write, by business object and table (for the facts table in the
#: docs; the sandbox checks each decoded row against :data:`ROWS`).
WRITES = ApiContract(
    "accountview rows",
    [
        Endpoint(
            "POST", f"{_PREFIX}/accountviewdata AR1 {CONTACT.name}", body=CONTACT, source=S1_POST
        ),
        Endpoint(
            "POST",
            f"{_PREFIX}/accountviewdata AP1 {CONTACT.name}",
            body=CONTACT,
            source=S2_CREDITORS,
        ),
        Endpoint(
            "POST",
            f"{_PREFIX}/accountviewdata ADDR {DEL_ADDR.name}",
            body=DEL_ADDR,
            source=S3_MODEL,
        ),
        Endpoint(
            "POST", f"{_PREFIX}/accountviewdata SO1 {SO_HDR.name}", body=SO_HDR, source=S3_MODEL
        ),
        Endpoint(
            "POST", f"{_PREFIX}/accountviewdata SO1 {SO_LINE.name}", body=SO_LINE, source=S3_MODEL
        ),
        Endpoint(
            "POST", f"{_PREFIX}/accountviewdata DJ2 {DJ_PAGE.name}", body=DJ_PAGE, source=S1_POST
        ),
        Endpoint(
            "POST", f"{_PREFIX}/accountviewdata DJ2 {DJ_LINE.name}", body=DJ_LINE, source=S1_POST
        ),
    ],
)


def max_length(table: str, field: str) -> int | None:
    """The most characters ``table.field`` holds, when a source gives it."""
    contract = ROWS.get(table)
    found = contract.get(field) if contract is not None else None
    return found.max_length if found is not None else None
