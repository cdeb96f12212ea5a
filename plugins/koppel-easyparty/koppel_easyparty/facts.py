"""What this connector relies on about EasyParty's API, each with its source.

EasyParty publishes no API (checked 2026-11-25: no developer documentation, OpenAPI
description or client in public material). Its accounting link is documented only from
the user's side (:data:`ACCOUNTING_LINK`, the help article koppel's relation queue
follows). Every endpoint, field and limit below is therefore :data:`ASSUMED`: the shape
an event CRM's REST API commonly has, chosen so that the link's behaviour can be built
and tested, and listed in REFERENCE.md. The sandbox enforces these facts; the client
and the resource read paths, names and limits from here, so that a real API changes
this module and the sandbox with it.
"""

from __future__ import annotations

from koppel.sandbox import ApiContract, Contract, Endpoint, Field, Source

__all__ = [
    "ACCOUNTING_LINK",
    "API",
    "ASSUMED",
    "BASE_URL",
    "EVENTS",
    "EVENT_FINAL",
    "INVOICES",
    "MAX_PAGE_SIZE",
    "RELATION",
    "RELATIONS",
    "RELATION_WRITE",
    "Listed",
]

ACCOUNTING_LINK = Source(
    "EasyParty help, 'Boekhoudkoppeling: debiteuren en crediteuren' (koppel's seeds/004): "
    "a relation gets its debtor or creditor number when an event is made final, a "
    "non-draft invoice is made, or on Save beside the number; the next free number of "
    "the range set in the settings; debtors and creditors work alike",
    "2026-11-25",
)
ASSUMED = Source(
    "assumption of koppel-easyparty: EasyParty publishes no API (REFERENCE.md, Assumptions)",
    "2026-11-25",
)

#: The API's root (ASSUMED); ``{tenant}`` is the customer's EasyParty environment.
BASE_URL = "https://{tenant}.easyparty.nl/api/v1"
#: The most rows one page holds (ASSUMED).
MAX_PAGE_SIZE = 100
#: The status of an event made final (*definitief*, ASSUMED name).
EVENT_FINAL = "final"

_PAGED = [
    Field("page", "integer", note="1-based"),
    Field("per_page", "integer", note=f"1 to {MAX_PAGE_SIZE}"),
]


class Listed:
    """A paged list: ``GET path?page=&per_page=&...`` answers
    ``{"data": [...], "meta": {"page", "per_page", "total", "pages"}}`` (ASSUMED).

    :param filters: the query parameters besides paging it takes.
    """

    def __init__(self, name: str, path: str, filters: list[Field]) -> None:
        self.name = name
        self.path = path
        self.query = Contract(f"{name} query", [*_PAGED, *filters], source=ASSUMED)

    @property
    def endpoint(self) -> Endpoint:
        """The endpoint's facts, for the sandbox's route."""
        return Endpoint("GET", "/api/v1" + self.path, query=self.query, source=ASSUMED)


#: Relations (*relaties*), oldest change first, ties by id; ``changed_since`` selects
#: those changed at or after a moment.
RELATIONS = Listed("relations", "/relations", [Field("changed_since", "datetime", note="ISO 8601")])
#: Events (*evenementen*); ``status`` selects, :data:`EVENT_FINAL` is final.
EVENTS = Listed(
    "events",
    "/events",
    [Field("status", "text", enum=("option", "final", "cancelled"))],
)
#: Invoices (*facturen*); ``draft=false`` selects the invoices that are no drafts.
INVOICES = Listed("invoices", "/invoices", [Field("draft", "text", enum=("true", "false"))])

_ADDRESS = Contract(
    "Address",
    [
        Field("street", "text"),
        Field("house_number", "text"),
        Field("postcode", "text"),
        Field("city", "text"),
        Field("country", "text", note="ISO 3166-1 alpha-2"),
    ],
    source=ASSUMED,
)
_CONTACT = Contract(
    "Contact",
    [
        Field("id", "integer"),
        Field("first_name", "text"),
        Field("last_name", "text"),
        Field("email", "text"),
        Field("phone", "text"),
        Field("primary", "boolean"),
    ],
    source=ASSUMED,
)
#: A relation as the API answers it: an organisation (``name``) or a person
#: (``first_name``, ``last_name``), debtor and/or creditor, each with its number.
RELATION = Contract(
    "Relation",
    [
        Field("id", "integer", required=True),
        Field("type", "text", enum=("organisation", "person")),
        Field("name", "text"),
        Field("first_name", "text"),
        Field("last_name", "text"),
        Field("email", "text"),
        Field("phone", "text"),
        Field("vat_number", "text"),
        Field("iban", "text"),
        Field("is_debtor", "boolean"),
        Field("is_creditor", "boolean"),
        Field("debtor_number", "text"),
        Field("creditor_number", "text"),
        Field("address", "object", of=_ADDRESS),
        Field("contacts", "list", of=_CONTACT),
        Field("sync_message", "text"),
        Field("changed_at", "datetime", read_only=True),
    ],
    source=ASSUMED,
)
#: What ``PATCH /relations/{id}`` takes: the numbers accounting knows the relation by,
#: and the last sync message (*melding*). A number once set cannot change (ASSUMED, as
#: the accounting link gives a number once).
RELATION_WRITE = Contract(
    "Relation update",
    [
        Field("debtor_number", "text", max_length=18, nullable=False),
        Field("creditor_number", "text", max_length=18, nullable=False),
        Field("sync_message", "text", max_length=1000),
    ],
    source=ASSUMED,
)

LISTS = (RELATIONS, EVENTS, INVOICES)
API = ApiContract(
    "easyparty",
    [
        *(listed.endpoint for listed in LISTS),
        Endpoint("GET", "/api/v1/relations/{id}", answer=RELATION, source=ASSUMED),
        Endpoint(
            "PATCH",
            "/api/v1/relations/{id}",
            body=RELATION_WRITE,
            answer=RELATION,
            source=ASSUMED,
        ),
    ],
)
