"""Every assumption koppel makes about AccountView.net's data, in one place.

AccountView.net has no public API reference. What is here comes from public
client code that calls the live API (see the plugin's README for the sources)
and, where nothing was found, from a guess. Each :class:`Field` says which:
``observed`` (seen in a working client) or ``guess``. To correct an
assumption, change it here: the client, the sandbox and the mapping tests all
read this module, and a mapping that writes a field not declared here fails
with an error naming the field.

AccountView data is read and written per *business object* (``AR1`` debtors,
``AK1`` articles, ``SO1`` sales orders, ``DJ2`` journal pages, ``ADDR``
delivery addresses), each backed by a table (``CONTACT``, ``ARTICLE``, ...)
whose upper-case field names carry a FoxPro type letter.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

__all__ = [
    "API_BASE",
    "ARTICLES",
    "AUTHORIZE_URL",
    "COMPANIES_PATH",
    "COMPANY_HEADER",
    "CREDITORS",
    "DATA_PATH",
    "DEBTORS",
    "DELIVERY_ADDRESSES",
    "ERROR_MESSAGE_KEY",
    "FIELD_TYPES",
    "JOURNAL_PAGES",
    "SALES_ORDERS",
    "SCOPES",
    "TABLES",
    "TEST_API_BASE",
    "TOKEN_PATH",
    "UPDATABLE",
    "UPDATE_ID",
    "Field",
    "Table",
]

#: The production API root [observed].
API_BASE = "https://www.accountview.net/api/v3"
#: The test environment's API root [observed: a README names test.accountview.net].
TEST_API_BASE = "https://test.accountview.net/api/v3"
#: Token endpoint, relative to the API root; form-encoded, credentials in the body [observed].
TOKEN_PATH = "token"
#: Where the operator grants access [observed: APIcenter's controllers/Accountview.php,
#: two sample apps; REFERENCE.md mismatch 1].
AUTHORIZE_URL = "https://www.accountview.net/ams/authorize.aspx"
#: The OAuth2 scopes asked for: read and write, never delete [observed names: APIcenter
#: asks for these two and ``deleteaccountviewdata``; REFERENCE.md mismatch 2].
SCOPES = "readaccountviewdata updateaccountviewdata"
#: The generic data endpoint for reads (GET), creates (POST) and updates (PUT) [observed].
DATA_PATH = "accountviewdata"
#: An update is a PUT of the write envelope with this top-level key holding the key of
#: the row to update [observed: S6 updates CONTACT so; REFERENCE.md mismatch 7].
UPDATE_ID = "id"
#: The business objects an update (PUT) is known for: debtors [observed: S6; it says
#: journal pages (DJ2) have no PUT; none shown for the others] and creditors, the same
#: table CONTACT through AP1 [inferred: S2 reads creditors as AP1 of CONTACT].
UPDATABLE = frozenset({"AR1", "AP1"})
#: The companies the user may reach: a JSON array of objects ``Id``, ``Description``,
#: ``Code`` (``koppel_accountview.facts.COMPANY``) [observed].
COMPANIES_PATH = "Companies"
#: The header that selects the administration (*onderneming*) [observed].
COMPANY_HEADER = "X-Company"
#: Key of the message in an error body ``{"ErrorType", "ErrorNumbers", "ErrorMessage"}`` [observed].
ERROR_MESSAGE_KEY = "ErrorMessage"
#: Page size for reads. [guess: the maximum is not documented; clients use up to 1000.]
PAGE_SIZE = 100
#: The filter operator for "changed since" reads on ``CNG_DATE`` [observed].
CHANGED_SINCE_OPERATOR = "DateOnOrAfterDate"

#: FoxPro type letters [observed]: character, numeric, integer, date-time, date,
#: logical, currency, double, memo.
FIELD_TYPES = ("C", "N", "I", "T", "D", "L", "Y", "B", "M")


@attrs.frozen
class Field:
    """One field of a table: its name, type letter, and whether it was observed or guessed."""

    name: str
    type: str
    source: str = "observed"
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}")


def _fields(*fields: Field) -> Mapping[str, Field]:
    return {field.name: field for field in fields}


@attrs.frozen(kw_only=True)
class Table:
    """A business object's table: its code, table name, key, fields and detail table.

    ``key`` is the field that identifies a row (the target id koppel binds);
    ``issued`` says whether AccountView issues the key on create (else the
    writer sends it); ``changed`` is the field that incremental reads filter on.
    """

    business_object: str
    name: str
    key: str
    fields: Mapping[str, Field]
    issued: bool = False
    changed: str | None = None
    detail: Table | None = None

    def field(self, name: str) -> Field:
        """The field ``name``; :class:`KeyError` with the table named when unknown."""
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"{name} is not a known field of {self.name}") from None


G = "guess"

#: Debtors (*debiteuren*), business object AR1, table CONTACT, key SUB_NR [observed].
DEBTORS = Table(
    business_object="AR1",
    name="CONTACT",
    key="SUB_NR",
    changed="CNG_DATE",
    fields=_fields(
        Field("SUB_NR", "C", description="debtor number; sent by the writer"),
        Field("ACCT_NR", "C", description="collective (receivables) account"),
        Field("ACCT_NAME", "C", description="name: the company, or the person"),
        Field("SRC_CODE", "C", description="search name"),
        Field("MAIN_CONT", "C", description="contact person (contactpersoon); none for a person"),
        Field("ADDRESS1", "C", description="street and house number"),
        Field("POST_CODE", "C", description="postcode, Dutch ones as '1234 AB'"),
        Field("CITY", "C"),
        Field("CNT_CODE", "C", description="country code"),
        Field("MAIL_BUS", "C", description="e-mail address: koppel's match key"),
        Field("TEL_BUS", "C"),
        Field("TEL_MOB", "C"),
        Field("VAT_NR", "C", description="VAT number"),
        Field("IBAN_NR", "C", description="IBAN of bank account 1 (IBAN 1)"),
        Field("DISC_CODE", "C", description="payment condition (betalingsconditie), 2 characters"),
        Field("CNG_DATE", "T", description="last change"),
    ),
)

#: Creditors (*crediteuren*), business object AP1 [observed: S2 reads them so], the same
#: table CONTACT as debtors with the same fields and key: ``SUB_NR`` is the
#: "Debiteur-/crediteurnummer" of either (S1's dictionary), so one number is one relation.
CREDITORS = attrs.evolve(DEBTORS, business_object="AP1")

#: Delivery addresses of a debtor, business object ADDR, table DEL_ADDR [observed].
DELIVERY_ADDRESSES = Table(
    business_object="ADDR",
    name="DEL_ADDR",
    key="REC_ID",
    issued=True,
    fields=_fields(
        Field("REC_ID", "C", description="issued by AccountView"),
        Field("SUB_NR", "C", description="the debtor"),
        Field("DEL_NAME", "C"),
        Field("ADDRESS1", "C"),
        Field("POST_CODE", "C"),
        Field("CITY", "C"),
        Field("CNT_CODE", "C"),
    ),
)

#: Articles (*artikelen*), business object AK1, table ARTICLE, key ART_CODE [observed].
ARTICLES = Table(
    business_object="AK1",
    name="ARTICLE",
    key="ART_CODE",
    changed="CNG_DATE",
    fields=_fields(
        Field("ART_CODE", "C", description="article code: the SKU"),
        Field("ART_DESC1", "C", description="description: the product's name"),
        Field("ART_DESC2", "M", G, "long description"),
        Field("EAN_CODE", "C", G, "barcode (EAN/GTIN); no client shows one"),
        Field("PX_SELL", "N", description="sales price excluding VAT"),
        Field("VAT_CODE", "C", G, "VAT code"),
        Field("AG_CODE", "C", description="article group"),
        Field("UNIT", "C", G, "unit of measure"),
        Field("BLOCKED", "L", G, "blocked for sale"),
        Field("QTY_AVAIL", "N", description="available stock (beschikbare voorraad)"),
        Field("QTY_RES_SO", "N", G, "reserved for sales orders (verkoopreserveringen)"),
        Field("ART_SIZE", "C", G, "item attribute: size"),
        Field("ART_COLOR", "C", G, "item attribute: colour"),
        Field("CNT_ORIG", "C", G, "item attribute: country of origin"),
        Field("LEAD_TIME", "I", G, "item attribute: lead time in days"),
        Field("CNG_DATE", "T", description="last change"),
    ),
)

_SO_LINES = Table(
    business_object="SO1",
    name="SO_LINE",
    key="RowId",
    fields=_fields(
        Field("ART_CODE", "C"),
        Field("ART_DESC1", "C", description="line description (ART_LINE's, inferred)"),
        Field("ORD_QTY", "N"),
        Field("ART_PX", "N", description="unit price (the order says whether incl. VAT)"),
        Field("DISC_PCT", "N", description="line discount percentage (ART_LINE's, inferred)"),
        Field("VAT_CODE", "C", G, "VAT code of the line"),
        Field("DEL_DATE", "T"),
    ),
)

#: Sales orders (*verkooporders*), business object SO1, tables SO_HDR + SO_LINE [observed].
SALES_ORDERS = Table(
    business_object="SO1",
    name="SO_HDR",
    key="ORD_NR",
    issued=True,
    changed="CNG_DATE",
    detail=_SO_LINES,
    fields=_fields(
        Field("ORD_NR", "C", G, "order number, issued by AccountView"),
        Field("ORD_REF", "C", G, "the source's order number: koppel's match key"),
        Field("ORD_DATE", "T"),
        Field("DEL_DATE", "T"),
        Field("RPL_INV", "C", description="invoice debtor (SUB_NR)"),
        Field("RPL_DEL", "C", description="delivery debtor (SUB_NR)"),
        Field("DEL_CODE", "C", description="delivery address (REC_ID of ADDR)"),
        Field("COMMENT1", "C", description="description"),
        Field("TO_EMAIL", "C"),
        Field("PD_AMT", "N", description="order discount amount"),
        Field("INCL_VAT", "L", G, "prices include VAT"),
        Field("CUR_CODE", "C", description="currency (ART_HDR's, inferred)"),
        Field("PAY_COND", "C", G, "payment terms code; ART_HDR names it DISC_CODE"),
        Field("PAY_METH", "C", G, "payment method code"),
        Field("SHIP_MTH", "C", description="shipping method (CONTACT's name, inferred)"),
        Field("CNG_DATE", "T"),
    ),
)

_DJ_LINES = Table(
    business_object="DJ2",
    name="DJ_LINE",
    key="RowId",
    fields=_fields(
        Field("ACCT_NR", "C"),
        Field("SUB_NR", "C", description="debtor or creditor (Debiteur-/crediteurnummer)"),
        Field("COST_CODE", "C"),
        Field("AMOUNT", "N", description="administration currency; debit +, credit -"),
        Field("CUR_AMT", "N", description="amount in the page's foreign currency"),
        Field("CUR_CODE", "C"),
        Field("BASE_AMT", "N", description="VAT base (Basisbedrag BTW); the plugin sends none"),
        Field("VAT_CODE", "C"),
        Field("VAT_AMT", "N"),
        Field("TRN_DATE", "T"),
        Field("TRN_DESC", "C"),
    ),
)

#: Journal pages (*dagboekpagina's*), business object DJ2, tables DJ_PAGE + DJ_LINE
#: [observed]. Sales invoices are pages in a sales journal, financial mutations
#: pages in a memorial journal [guess: no invoice business object was found].
JOURNAL_PAGES = Table(
    business_object="DJ2",
    name="DJ_PAGE",
    key="PAGE_NR",
    issued=True,
    detail=_DJ_LINES,
    fields=_fields(
        Field("PAGE_NR", "C", description="page number, issued by AccountView"),
        Field("DJ_CODE", "C", description="journal code"),
        Field("SUB_NR", "C", description="debtor or creditor of the page (Debiteur/Crediteur)"),
        Field("INV_NR", "C", description="invoice number or reference: koppel's match key"),
        Field("CUR_CODE", "C"),
        Field("HDR_DESC", "C"),
        Field("TRN_DATE", "T"),
    ),
)

#: Every table by business object code.
TABLES: Mapping[str, Table] = {
    table.business_object: table
    for table in (DEBTORS, CREDITORS, DELIVERY_ADDRESSES, ARTICLES, SALES_ORDERS, JOURNAL_PAGES)
}

#: Journal codes. [guess: set per administration; the connection settings override them.]
DEFAULT_SALES_JOURNAL = "VK"
DEFAULT_MEMORIAL_JOURNAL = "MEM"
#: Collective receivables account for new debtors [observed example "1210"].
DEFAULT_DEBTOR_ACCOUNT = "1210"
#: Collective payables account for new creditors. [guess: "1600 Crediteuren" is the
#: usual Dutch one; set per administration, the connection's ``creditor_account``.]
DEFAULT_CREDITOR_ACCOUNT = "1600"
#: Article code a shipping cost line is booked on [observed: shipping is an SO_LINE].
DEFAULT_SHIPPING_ARTICLE = "VERZEND"
#: Article code a fee line is booked on. [guess]
DEFAULT_FEE_ARTICLE = "TOESLAG"
