"""An emulator of Exact Online Bouw's Heimdall API on :mod:`koppel.sandbox`, with the demo.

It does what facts.py records, and refuses what the API refuses:

- ``POST /auth/login/{app}/apiKey`` with the form field ``apiKey`` answers a JWT that
  expires after :data:`TOKEN_LIFETIME` seconds of the sandbox's clock; a call with an
  expired, unknown or missing token is answered 401.
- ``GET /list/...`` reads ``q`` (:mod:`koppel_exact_bouw.hql`): conditions on the
  endpoint's mapped fields (any other field is a 400, as the live API answers), ``ORDER
  BY``, ``LIMIT``/``OFFSET`` pages in ``{"items", "count", "limit", "offset"}``; without
  ``LIMIT`` every row comes at once and ``limit``/``offset`` are null, as observed live.
- ``POST /contact`` creates a contact, or updates the one its ``id`` names;
  ``DELETE /contact`` deletes one; ``GET /contact-types`` lists the types.
- ``POST /purchase-invoice`` books each new line on its delivery ticket: the ticket is
  processed (its price becomes the booked amount) and, unless the line is handled
  (``createDeliveryTicketForRemainingCosts``), the rest stays open on a new ticket with the
  same delivery note; the contract's ``outstandingCosts`` and ``updatedAt`` follow. A
  processed ticket takes no further booking. With an ``id`` it updates that invoice: lines
  with an ``id`` stay as they are, lines without one are added and booked, and a booked
  line left out is refused. A new invoice with a number its supplier used already is
  refused.
- ``GET /purchase-invoicing/purchase-invoice/{id}`` answers the invoice with its lines.
- ``GET /list/projects`` lists the demo's projects, ``GET /deleted-projects`` the deleted
  ones (:meth:`ExactBouwSandbox.delete_project`).

Errors are ``{"code": status, "message": ...}`` (ASSUMED). :attr:`ExactBouwSandbox.rows`
counts the rows each list served, for tests that measure what a read cost.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from koppel.errors import ValidationError
from koppel.sandbox import (
    Sandbox,
    SandboxRateLimit,
    SandboxRequest,
    Violation,
    json_response,
)
from koppel_exact_bouw import facts, hql
from koppel_exact_bouw.client import CALLS_PER_MINUTE, SYSTEM
from koppel_exact_bouw.demo import DEMO_VOLUME, atom, demo, nested_contact

__all__ = [
    "DEMO_API_KEY",
    "DEMO_APPLICATION",
    "TOKEN_LIFETIME",
    "ExactBouwSandbox",
    "make_sandbox",
]

DEMO_API_KEY = "sandbox-api-key"
DEMO_APPLICATION = "koppel-demo"
#: Seconds a token lives (ASSUMED: Heimdall's JWT lifetime is not published).
TOKEN_LIFETIME = 3600
Row = dict[str, Any]


class ExactBouwSandbox(Sandbox):
    """The Heimdall emulator; :attr:`rows` counts rows served per list."""

    def __init__(self, **options: Any) -> None:
        super().__init__(SYSTEM, credentials={"api_key": DEMO_API_KEY}, **options)
        self.rows: Counter[str] = Counter()
        self.tokens: dict[str, float] = {}

    def error_response(self, status: int, message: str) -> httpx.Response:
        return json_response({"code": status, "message": message}, status)

    def contract_refused(self, violations: Sequence[Violation]) -> httpx.Response:
        message = "; ".join(f"{v.path or 'body'}: {v.message}" for v in violations)
        return self.error_response(400, message)

    def connection_settings(self, url: str) -> dict[str, Any]:
        """A served sandbox is reached through the connection's ``base_url``."""
        return {"base_url": url}

    def now(self) -> str:
        """The sandbox clock's moment, as Heimdall writes it."""
        return atom(datetime.fromtimestamp(self.clock.now(), UTC))

    def issue_token(self, application: str) -> str:
        """A new JWT for ``application`` that expires after :data:`TOKEN_LIFETIME`."""
        expires = int(self.clock.now()) + TOKEN_LIFETIME
        parts = [{"alg": "RS256", "typ": "JWT"}, {"exp": expires, "username": application}]
        encoded = [_b64(json.dumps(part).encode()) for part in parts]
        token = ".".join([*encoded, _b64(secrets.token_bytes(24))])
        self.tokens[token] = expires
        return token

    def delete_project(self, project: int) -> None:
        """Delete ``project`` as Heimdall does: gone from the list, on the deleted list."""
        row = self.store["projects"].get(str(project))
        if row is None:
            raise KeyError(project)
        self.store["projects"].delete(str(project))
        self.store["deleted_projects"].insert(
            {
                "id": row["id"],
                "name": row["name"],
                "fullProjectNumber": row["fullProjectNumber"],
                "contact": {"id": (row.get("contact") or {}).get("id")},
                "status": {"id": (row.get("status") or {}).get("id")},
                "deletedAt": self.now(),
            }
        )

    def expire_tokens(self) -> None:
        """Make every token issued so far expired (a test of the 401 refresh)."""
        for token in self.tokens:
            self.tokens[token] = self.clock.now() - 1


def make_sandbox(seed: int = 0, volume: int | None = None) -> ExactBouwSandbox:
    """A fresh sandbox with the demo organisation (``volume`` contracts, default 12)."""
    box = ExactBouwSandbox(
        base_url=facts.BASE_URL, rate_limit=SandboxRateLimit(per_minute=CALLS_PER_MINUTE)
    )
    box.authenticate = lambda request: _authenticate(box, request)
    for name, rows in demo(seed, DEMO_VOLUME if volume is None else volume).items():
        box.store.seed(name, rows)
    _login(box)
    for listed in facts.LISTS:
        _list(box, listed)
    _contacts(box)
    _purchase_invoices(box)
    deleted = box.store["deleted_projects"]
    box.add_route("GET", facts.DELETED_PROJECTS, lambda request: deleted.all())
    return box


def _endpoint(method: str, path: str) -> Any:
    return facts.API.get(method, path)


def _login(box: ExactBouwSandbox) -> None:
    def login(request: SandboxRequest) -> Any:
        form = box.enforce_value(facts.LOGIN, request.form, endpoint=f"POST {facts.LOGIN_PATH}")
        app = request.path_params["app"]
        if form.get("apiKey") != DEMO_API_KEY or app != DEMO_APPLICATION:
            return box.error_response(401, "Invalid credentials.")
        return {"token": box.issue_token(app)}

    box.add_route("POST", facts.LOGIN_PATH, login, auth=False)


def _authenticate(box: ExactBouwSandbox, request: SandboxRequest) -> httpx.Response | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return box.error_response(401, "JWT Token not found")
    expires = box.tokens.get(header.removeprefix("Bearer "))
    if expires is None:
        return box.error_response(401, "Invalid JWT Token")
    if box.clock.now() >= expires:
        return box.error_response(401, "Expired JWT Token")
    return None


def _list(box: ExactBouwSandbox, listed: facts.ListEndpoint) -> None:
    records = box.store[listed.name]

    def answer(request: SandboxRequest) -> Any:
        try:
            query = hql.parse(request.params.get("q", ""), listed.mapped)
        except ValidationError as exc:
            return box.error_response(400, exc.message)
        rows = [row for row in records.all() if all(_holds(row, c) for c in query.conditions)]
        rows.sort(key=lambda row: int(row["id"]))
        for field, descending in reversed(query.order):
            rows.sort(key=_sort_key(field), reverse=descending)
        if query.limit is None:
            box.rows[listed.name] += len(rows)
            return {"items": rows, "count": len(rows), "limit": None, "offset": None}
        limit = min(query.limit, facts.MAX_PAGE_SIZE)
        items = rows[query.offset : query.offset + limit]
        box.rows[listed.name] += len(items)
        return {"items": items, "count": len(rows), "limit": limit, "offset": query.offset}

    endpoint = listed.endpoint
    box.add_route("GET", endpoint.pattern, answer, contract=endpoint)


def _contacts(box: ExactBouwSandbox) -> None:
    contacts, types = box.store["contacts"], box.store["contact_types"]
    written = _endpoint("POST", "/contact")

    def save(request: SandboxRequest) -> Any:
        body = request.json
        kind = types.get(str(body["contactType"]["id"]))
        if kind is None:
            return box.error_response(400, f"Contact type {body['contactType']['id']} not found.")
        listed = _listed_contact(body, kind, box.now())
        if body.get("id") is None:
            row = contacts.insert({"id": _next_id(contacts), **listed, "createdAt": box.now()})
            return json_response(_full_contact(row), 201)
        updated = contacts.update(str(body["id"]), listed)
        if updated is None:
            return box.error_response(404, f"Contact {body['id']} not found.")
        return json_response(_full_contact(updated))

    def delete(request: SandboxRequest) -> Any:
        if not contacts.delete(str(request.json["id"])):
            return box.error_response(404, "Contact not found.")
        return httpx.Response(204)

    box.add_route("POST", "/contact", save, contract=written)
    box.add_route("DELETE", "/contact", delete, contract=_endpoint("DELETE", "/contact"))
    box.add_route("GET", facts.CONTACT_TYPES, lambda request: types.all())


def _purchase_invoices(box: ExactBouwSandbox) -> None:
    invoices, tickets, contacts = box.store["invoices"], box.store["tickets"], box.store["contacts"]
    lines_of = box.store["invoice_lines"]
    written = _endpoint("POST", "/purchase-invoice")

    def save(request: SandboxRequest) -> Any:
        body = request.json
        supplier = contacts.get(str(body["contact"]["id"]))
        if supplier is None:
            return box.error_response(400, f"Contact {body['contact']['id']} not found.")
        lines = body.get("lines") or []
        found: Row | None = None
        if body.get("id") is not None:  # an update: lines with an id stay as they are
            found = invoices.get(str(body["id"]))
            if found is None:
                return box.error_response(404, f"Purchase invoice {body['id']} not found.")
            kept = {str(line["id"]) for line in lines if line.get("id") is not None}
            for line in _lines(box, found["id"]):
                if str(line["id"]) not in kept:
                    message = f"Purchase invoice line {line['id']} is booked and cannot be removed."
                    return box.error_response(400, message)
            lines = [line for line in lines if line.get("id") is None]
        elif any(
            i["invoiceNumber"] == body["invoiceNumber"] and i["supplier"]["id"] == supplier["id"]
            for i in invoices.all()
        ):
            message = f"Invoice number {body['invoiceNumber']} already exists for this supplier."
            return box.error_response(400, message)
        booked = [tickets.get(str((line.get("deliveryTicket") or {}).get("id"))) for line in lines]
        for line, ticket in zip(lines, booked, strict=True):
            if line.get("deliveryTicket") and ticket is None:
                return box.error_response(
                    400, f"Delivery ticket {line['deliveryTicket']['id']} not found."
                )
            if ticket is not None and ticket["isProcessed"]:
                return box.error_response(
                    400, f"Delivery ticket {ticket['number']} is already processed."
                )
        now = box.now()
        header = {
            "invoiceNumber": body["invoiceNumber"],
            "date": body["date"],
            "dueDate": body.get("dueDate"),
            "status": body["status"],
            "orderNumber": body.get("orderNumber"),
            "paymentReference": body.get("paymentReference"),
            "comment": body.get("comments"),
            "supplier": nested_contact(supplier),
            "updatedAt": now,
        }
        if found is None:
            first = next((t for t in booked if t), None)
            project = dict(first["project"]) if first and first.get("project") else None
            row = invoices.insert(
                {
                    "id": _next_id(invoices, 61000),
                    **header,
                    "division": {"id": project["divisionId"]} if project else None,
                    "datePaid": None,
                    "project": project,
                    "deliveryTicket": None,
                    "createdAt": now,
                }
            )
        else:
            row = invoices.update(str(found["id"]), header) or found
        for line, ticket in zip(lines, booked, strict=True):
            lines_of.insert(_stored_line(box, row["id"], line, ticket))
            if ticket is not None:
                _book(box, ticket, line, row, now)
        row = invoices.update(str(row["id"]), _totals(box, row["id"])) or row
        return json_response(_document(box, row), 201 if found is None else 200)

    def document(request: SandboxRequest) -> Any:
        row = invoices.get(request.path_params["id"])
        if row is None:
            return box.error_response(
                404, f"Purchase invoice {request.path_params['id']} not found."
            )
        return _document(box, row)

    box.add_route("POST", "/purchase-invoice", save, contract=written)
    box.add_route(
        "GET",
        facts.PURCHASE_INVOICE_DOCUMENT,
        document,
        contract=_endpoint("GET", facts.PURCHASE_INVOICE_DOCUMENT),
    )


def _lines(box: ExactBouwSandbox, invoice: Any) -> list[Row]:
    """The stored lines of purchase invoice ``invoice``, oldest first."""
    found = [line for line in box.store["invoice_lines"].all() if line["invoice"] == invoice]
    return sorted(found, key=lambda line: int(line["id"]))


def _stored_line(
    box: ExactBouwSandbox, invoice: Any, line: Mapping[str, Any], ticket: Row | None
) -> Row:
    """A new line of ``invoice`` as the sandbox keeps it (SDK PurchaseInvoiceDocumentLine)."""
    tariffs = {str(t["id"]): t["percentage"] for t in box.store["vat_tariffs"].all()}
    percentage = line.get("vatTariffPercentage") or tariffs.get(str(line["vatTariffId"]), "0.00")
    stored = {k: v for k, v in line.items() if k != "deliveryTicket"}
    if ticket is not None:
        stored["deliveryTicket"] = {
            "id": ticket["id"],
            "ticketNumber": ticket["number"],
            "cost": ticket["price"],
            "processed": True,
        }
    lines = box.store["invoice_lines"]
    return {
        **stored,
        "id": _next_id(lines, 72000),
        "invoice": invoice,
        "vatTariffPercentage": percentage,
    }


def _totals(box: ExactBouwSandbox, invoice: Any) -> Row:
    """The list item's totals and first delivery ticket, from the invoice's lines."""
    lines = _lines(box, invoice)
    net = sum((Decimal(str(line["subTotal"])) for line in lines), Decimal(0))
    vat = sum(
        (
            (Decimal(str(line["subTotal"])) * Decimal(line["vatTariffPercentage"]) / 100).quantize(
                Decimal("0.01")
            )
            for line in lines
        ),
        Decimal(0),
    )
    ticket = next((line["deliveryTicket"] for line in lines if line.get("deliveryTicket")), None)
    nested = None
    if ticket is not None:
        nested = {"id": ticket["id"], "number": ticket["ticketNumber"], "price": ticket["cost"]}
    return {
        "subTotal": f"{net:.2f}",
        "vatTotal": f"{vat:.2f}",
        "total": f"{net + vat:.2f}",
        "deliveryTicket": nested,
    }


def _document(box: ExactBouwSandbox, row: Row) -> Row:
    """A purchase invoice as ``GET /purchase-invoicing/purchase-invoice/{id}`` and its writes
    answer it (SDK PurchaseInvoiceDocument), with its lines."""
    return {
        "id": row["id"],
        "invoiceNumber": row["invoiceNumber"],
        "orderNumber": row.get("orderNumber"),
        "paymentReference": row.get("paymentReference"),
        "contact": {"id": row["supplier"]["id"]},
        "date": row["date"],
        "dueDate": row.get("dueDate"),
        "status": row["status"],
        "comments": row.get("comment"),
        "lines": [
            {k: v for k, v in line.items() if k != "invoice"} for line in _lines(box, row["id"])
        ],
        "createdAt": row["createdAt"],
        "updatedAt": row["updatedAt"],
    }


def _book(
    box: ExactBouwSandbox, ticket: Row, line: Mapping[str, Any], invoice: Row, now: str
) -> None:
    """Book ``line`` on ``ticket``: processed at the booked amount, the rest on a new ticket
    unless the line is handled; the contract's open amount and ``updatedAt`` follow."""
    tickets = box.store["tickets"]
    amount, price = Decimal(str(line["subTotal"])), Decimal(ticket["price"])
    tickets.update(
        str(ticket["id"]),
        {
            "isProcessed": True,
            "price": f"{min(amount, price):.2f}",
            "bookingStatus": 1,
            "purchaseInvoiceId": str(invoice["id"]),
            "purchaseInvoiceInvoiceNumber": invoice["invoiceNumber"],
            "updatedAt": now,
        },
    )
    if line.get("createDeliveryTicketForRemainingCosts") and amount < price:
        rest = {**ticket, "price": f"{price - amount:.2f}", "createdAt": now, "updatedAt": now}
        tickets.insert({**rest, "id": _next_id(tickets)})
    contract = (ticket.get("contract") or {}).get("id")
    if contract is not None:
        open_rows = [
            t
            for t in tickets.all()
            if (t.get("contract") or {}).get("id") == contract and not t["isProcessed"]
        ]
        outstanding = sum((Decimal(t["price"]) for t in open_rows), Decimal(0))
        box.store["contracts"].update(
            str(contract), {"outstandingCosts": f"{outstanding:.2f}", "updatedAt": now}
        )


def _listed_contact(body: Mapping[str, Any], kind: Row, now: str) -> Row:
    """A written contact (SDK FullContact) as the list shows it (SDK ContactListItem)."""
    renamed = {"email": "emailAddress", "accountNumber": "iban"}
    skip = {"id", "contactType", "createdAt", "updatedAt"}
    row = {renamed.get(k, k): v for k, v in body.items() if k not in skip}
    return {**row, "type": dict(kind), "updatedAt": now}


def _full_contact(row: Row) -> Row:
    """A stored contact in the shape ``POST /contact`` answers (SDK FullContact)."""
    renamed = {"emailAddress": "email", "iban": "accountNumber"}
    full = {renamed.get(k, k): v for k, v in row.items() if k != "type"}
    full["contactType"] = row["type"]
    return full


def _next_id(collection: Any, floor: int = 1) -> int:
    return max([floor - 1, *(int(row["id"]) for row in collection.all())]) + 1


def _value(row: Mapping[str, Any], field: str) -> Any:
    value: Any = row
    for part in field.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _sort_key(field: str) -> Callable[[Mapping[str, Any]], tuple[int, Any]]:
    return lambda row: _sortable(_value(row, field))


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _sortable(value: Any) -> tuple[int, Any]:
    value = _comparable(value)
    if value is None:
        return (0, 0)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, bool | int | float):
        return (1, float(value))
    return (2, str(value))


def _holds(row: Mapping[str, Any], condition: hql.Condition) -> bool:
    value = _value(row, condition.field)
    if condition.operator == "IN":
        return value in condition.value
    if condition.operator in ("=", "!="):
        same = _comparable(value) == _comparable(condition.value)
        return same if condition.operator == "=" else not same
    left, right = _sortable(value), _sortable(condition.value)
    if value is None or left[0] != right[0]:
        return False
    return {">=": left >= right, "<=": left <= right, ">": left > right, "<": left < right}[
        condition.operator
    ]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
