{%- from "wrap.j2" import wrapped -%}
{%- set reads = cookiecutter.__reads.split(',') | reject('equalto', '') | list -%}
{%- set writes = cookiecutter.__writes.split(',') | reject('equalto', '') | list -%}
{%- set entities = reads + writes -%}
{%- set auth = cookiecutter.auth -%}
{%- set paging = cookiecutter.pagination -%}
{%- set collections = cookiecutter._entities.keys() | select('in', entities) | map('upper') | list -%}
"""What this connector relies on about the {{ cookiecutter.title }} API, each fact with its source.

The template wrote these facts from its own assumptions about a typical JSON
API, and says so (``ASSUMED``). Replace each with what the API's reference
says, with a :class:`~koppel.sandbox.Source` naming the page and the day you
read it. The sandbox refuses a request that breaks them, as the API would; the
client and the resources read their URL, limits and paths from here.
"""

from __future__ import annotations
{% if "orders" in entities %}
from typing import Any
{%- endif %}
from urllib.parse import urlsplit

import attrs
from koppel.sandbox import ApiContract, Contract, Endpoint, Field, Source

ASSUMED = Source(
    "assumption of the koppel connector template, not read in the API's reference",
    "{% now 'utc', '%Y-%m-%d' %}",
)


def record(name: str, fields: list[Field]) -> Contract:
    """The contract of one of the API's records: ``fields`` between the read-only ``id``
    the API gives it and its ``modifiedAt``."""
    own = [Field("id", "text", read_only=True), *fields]
    return Contract(name, [*own, Field("modifiedAt", "datetime", read_only=True)], source=ASSUMED)


#: The API's root; a connection may give another (setting ``base_url``).
BASE_URL = "{{ cookiecutter.base_url }}"
#: Calls the API allows per minute; it reports what is left in RateLimit-* headers.
CALLS_PER_MINUTE = {{ cookiecutter.calls_per_minute }}
{%- if auth == "api_key" %}
#: The header that carries the API key.
API_KEY_HEADER = "X-API-Key"
{%- elif auth == "oauth2" %}
#: The OAuth2 provider's endpoints (authorization code, rotating refresh tokens).
AUTHORIZE_URL = "https://login.{{ cookiecutter.system }}.example/oauth2/authorize"
TOKEN_URL = "https://login.{{ cookiecutter.system }}.example/oauth2/token"
{%- endif %}
{%- if paging == "odata" %}
#: Records per page: the API decides and links the next page (``__next``).
PAGE_SIZE = 10
#: How a list is paged: the ``$skiptoken`` of the ``__next`` link.
PAGING = (Field("$skiptoken", "integer"),)
{%- else %}
#: The largest page the API serves, whatever the client asks.
MAX_PAGE_SIZE = 100
#: How a list is paged.
{%- if paging == "limit_offset" %}
PAGING = (Field("limit", "integer"), Field("offset", "integer"))
{%- elif paging == "skip_take" %}
PAGING = (Field("skip", "integer"), Field("take", "integer"))
{%- else %}
PAGING = (Field("page", "integer"), Field("pageSize", "integer"))
{%- endif %}
{%- endif %}
{%- if "customers" in entities or "relations" in entities or "projects" in entities %}

ADDRESS = Contract(
    "Address",
    [
        Field("street", "text", max_length=100),
        Field("houseNumber", "text", max_length=10),
        Field("postcode", "text", max_length=10),
        Field("city", "text", max_length=60),
        Field("country", "text", max_length=2),
    ],
    source=ASSUMED,
)
{%- endif %}
{%- if "customers" in entities %}

CUSTOMER = record(
    "Customer",
    [
        Field("number", "text", max_length=20),
        Field("name", "text", max_length=100),
        Field("companyName", "text", max_length=100),
        Field("email", "text", required=True, max_length=254),
        Field("phone", "text", max_length=30),
        Field("vatNumber", "text", max_length=20),
        Field("address", "object", of=ADDRESS),
        Field("paymentTerms", "text"),
        Field("currency", "text", max_length=3),
    ],
)
{%- endif %}
{%- if "products" in entities %}

PRODUCT = record(
    "Product",
    [
        Field("sku", "text", required=True, max_length=40),
        Field("ean", "text", max_length=14),
        Field("name", "text", max_length=100),
        Field("description", "text"),
        Field("price", "decimal"),
        Field("vatCode", "text"),
        Field("unit", "text"),
        Field("active", "boolean"),
    ],
)
{%- endif %}
{%- if "stock" in entities %}

STOCK_LEVEL = record(
    "StockLevel",
    [
        Field("sku", "text", required=True, max_length=40),
        Field("onHand", "decimal"),
        Field("reserved", "decimal"),
        Field("warehouse", "text"),
    ],
)
{%- endif %}
{%- if "orders" in entities or "invoices" in entities %}

PARTY = Contract(
    "Party",
    [Field("name", "text"), Field("companyName", "text"), Field("email", "text")],
    source=ASSUMED,
)
LINE = Contract(
    "Line",
    [
        Field("sku", "text", max_length=40),
        Field("description", "text"),
        Field("quantity", "decimal"),
        Field("unitPrice", "decimal"),
        Field("vatRate", "decimal"),
        Field("glAccount", "text"),
    ],
    source=ASSUMED,
)
{%- endif %}
{%- if "orders" in entities %}

#: The order types the API takes: sales orders only.
ORDER_TYPES: tuple[Any, ...] = ("order",)
ORDER = record(
    "Order",
    [
        Field("number", "text", required=True, max_length=20),
        Field("type", "text", enum=ORDER_TYPES),
        Field("status", "text"),
        Field("date", "date"),
        Field("customer", "object", of=PARTY),
        Field("lines", "list", of=LINE),
        Field("currency", "text", max_length=3),
        Field("totalExclVat", "decimal"),
        Field("totalVat", "decimal"),
        Field("totalInclVat", "decimal"),
        Field("reference", "text"),
    ],
)
{%- endif %}
{%- if "invoices" in entities %}

INVOICE = record(
    "Invoice",
    [
        Field("number", "text", required=True, max_length=20),
        Field("date", "date"),
        Field("dueDate", "date"),
        Field("customer", "object", of=PARTY),
        Field("lines", "list", of=LINE),
        Field("currency", "text", max_length=3),
        Field("totalExclVat", "decimal"),
        Field("totalVat", "decimal"),
        Field("totalInclVat", "decimal"),
        Field("orderNumber", "text"),
        Field("status", "text"),
    ],
)
{%- endif %}
{%- if "journal_entries" in entities %}

JOURNAL_LINE = Contract(
    "JournalLine",
    [
        Field("account", "text", required=True),
        Field("amount", "decimal", required=True),
        Field("description", "text"),
        Field("vatCode", "text"),
    ],
    source=ASSUMED,
)
JOURNAL_ENTRY = record(
    "JournalEntry",
    [
        Field("number", "text", required=True, max_length=20),
        Field("date", "date"),
        Field("journal", "text"),
        Field("description", "text"),
        Field("reference", "text"),
        Field("currency", "text", max_length=3),
        Field("lines", "list", of=JOURNAL_LINE),
    ],
)
{%- endif %}
{%- if "commitments" in entities %}

COMMITMENT = record(
    "Commitment",
    [
        Field("code", "text", required=True, max_length=20),
        Field("internalReference", "text"),
        Field("externalReference", "text"),
        Field("deliveryNote", "text"),
        Field("glAccount", "text"),
        Field("amount", "decimal"),
        Field("openAmount", "decimal"),
        Field("project", "text"),
        Field("supplier", "text"),
        Field("description", "text"),
        Field("currency", "text", max_length=3),
        Field("handled", "boolean"),
    ],
)
{%- endif %}
{%- if "commitment_bookings" in entities %}

COMMITMENT_BOOKING = record(
    "CommitmentBooking",
    [
        Field("reference", "text", required=True, max_length=100),
        Field("commitment", "text", required=True),
        Field("line", "text"),
        Field("invoiceNumber", "text", max_length=40),
        Field("supplier", "text"),
        Field("deliveryNote", "text"),
        Field("glAccount", "text"),
        Field("description", "text"),
        Field("amount", "decimal", required=True),
        Field("currency", "text", max_length=3),
        Field("handled", "boolean"),
        Field("date", "date"),
    ],
)
{%- endif %}
{%- if "relations" in entities %}

RELATION = record(
    "Relation",
    [
        Field("number", "text", required=True, max_length=20),
        Field("kind", "text"),
        Field("name", "text", max_length=100),
        Field("companyName", "text", max_length=100),
        Field("email", "text", max_length=254),
        Field("phone", "text", max_length=30),
        Field("vatNumber", "text", max_length=20),
        Field("iban", "text", max_length=34),
        Field("address", "object", of=ADDRESS),
    ],
)
{%- endif %}
{%- if "purchase_invoices" in entities %}

SUPPLIER = Contract(
    "Supplier",
    [
        Field("number", "text", max_length=20),
        Field("name", "text", max_length=100),
        Field("vatNumber", "text", max_length=20),
    ],
    source=ASSUMED,
)
PURCHASE_LINE = Contract(
    "PurchaseLine",
    [
        Field("description", "text"),
        Field("glAccount", "text"),
        Field("quantity", "decimal"),
        Field("amount", "decimal", required=True),
        Field("vatCode", "text"),
        Field("vatRate", "decimal"),
        Field("vatAmount", "decimal"),
        Field("project", "text"),
    ],
    source=ASSUMED,
)
PURCHASE_INVOICE = record(
    "PurchaseInvoice",
    [
        Field("reference", "text", required=True, max_length=100),
        Field("number", "text", required=True, max_length=40),
        Field("kind", "text", enum=("invoice", "credit_note")),
        Field("date", "date"),
        Field("dueDate", "date"),
        Field("supplier", "object", of=SUPPLIER),
        Field("yourReference", "text"),
        Field("project", "text"),
        Field("description", "text"),
        Field("lines", "list", of=PURCHASE_LINE),
        Field("currency", "text", max_length=3),
        Field("totalExclVat", "decimal"),
        Field("totalVat", "decimal"),
        Field("totalInclVat", "decimal"),
    ],
)
{%- endif %}
{%- if "projects" in entities %}

PROJECT = record(
    "Project",
    [
        Field("number", "text", required=True, max_length=20),
        Field("name", "text", max_length=100),
        Field("description", "text"),
        Field("reference", "text"),
        Field("status", "text"),
        Field("closed", "boolean"),
        Field("customer", "text"),
        Field("customerName", "text", max_length=100),
        Field("parent", "text"),
        Field("address", "object", of=ADDRESS),
        Field("startDate", "date"),
        Field("endDate", "date"),
    ],
)
{%- endif %}


@attrs.frozen
class Collection:
    """A list of records the API serves at ``path`` (below ``BASE_URL``): ``GET`` lists
    them, oldest change first; ``POST`` creates one, ``PUT path/{id}`` updates one.

    :param name: what it holds (the key of its records in demo.json).
    :param record: the fields of its records.
    :param keys: the fields a list filters by (``?email=a@x.nl,b@x.nl``, any case);
        the API refuses a second record with the same value of the first.
    """

    name: str
    path: str
    record: Contract
    keys: tuple[str, ...]

    @property
    def endpoints(self) -> tuple[Endpoint, Endpoint, Endpoint]:
        """Its list, create and update endpoints."""
        pattern = urlsplit(BASE_URL).path.rstrip("/") + self.path
        filters = [Field("modified_since", "datetime"), *(Field(k, "text") for k in self.keys)]
        query = Contract(f"{self.record.name} list", [*PAGING, *filters], source=ASSUMED)
        return (
            Endpoint("GET", pattern, query=query, answer=self.record, source=ASSUMED),
            Endpoint("POST", pattern, body=self.record, answer=self.record, source=ASSUMED),
            Endpoint(
                "PUT",
                pattern + "/{id}",
                body=self.record.partial(),
                answer=self.record,
                source=ASSUMED,
            ),
        )

{% for name, info in cookiecutter._entities.items() if name in entities %}
{%- set keys = info.match.values() | map('tojson') | list %}
{%- set args = ['"' ~ name ~ '"', '"' ~ info.path ~ '"', info.contract, "keys=(" ~ keys | join(", ") ~ ("," if keys | length == 1 else "") ~ ")"] %}
{{ wrapped(name.upper() ~ " = Collection(", args, ")") }}
{%- endfor %}

#: Every collection the connector reads or writes: the API's table of facts.
{% if collections | length == 1 -%}
COLLECTIONS = ({{ collections[0] }},)
{%- else -%}
{{ wrapped("COLLECTIONS = (", collections, ")") }}
{%- endif %}
API = ApiContract("{{ cookiecutter.system }}", [e for c in COLLECTIONS for e in c.endpoints])
