"""An in-process emulator of Exact Online's REST API, on :mod:`koppel.sandbox`.

It answers as Exact's documentation describes: ``/api/v1/current/Me`` and
``/api/v1/{division}/{service}/{Entity}`` with OData v2 envelopes
(``{"d": {"results": [...], "__next": …}}``, 60 a page), the Sync API
(``sync/…``, ``$select`` required, ``Timestamp gt <n>L``, 1,000 a page) and
``bulk/…`` reads, ``/Date(ms)/`` dates, 18-character account codes, error
bodies ``{"error": {"message": {"value": …}}}``, the ``X-RateLimit-*``
headers with 429s past 60 calls a minute, and OAuth2 at ``/api/oauth2/token``
whose refresh tokens are single-use (a spent one is refused with a 400).
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx

from koppel.http import SYSTEM_CLOCK, Clock
from koppel.sandbox import (
    Contract,
    Endpoint,
    Field,
    OAuthEmulator,
    Sandbox,
    SandboxRateLimit,
    SandboxRequest,
    Violation,
    json_response,
)
from koppel_exact_online._filter import FilterSyntaxError, compile_filter
from koppel_exact_online.client import RATE_LIMIT_HEADERS
from koppel_exact_online.demo import seed_demo
from koppel_exact_online.facts import API, BULK_PRICE_FILTERS, ENTITY_TYPES
from koppel_exact_online.odata import format_date, pad_code

__all__ = ["DIVISION", "ExactOAuth", "ExactSandbox", "make_sandbox"]

#: The division the demo company has.
DIVISION = 3019785
BASE_URL = "https://start.exactonline.nl"
PAGE = 60
SYNC_PAGE = 1000

#: service/Entity (lower case) -> (collection, key field) for the regular endpoints.
ENTITY_SETS: dict[str, tuple[str, str]] = {
    "crm/accounts": ("Accounts", "ID"),
    "crm/contacts": ("Contacts", "ID"),
    "logistics/items": ("Items", "ID"),
    "logistics/salesitemprices": ("SalesItemPrices", "ID"),
    "financial/glaccounts": ("GLAccounts", "ID"),
    "salesorder/salesorders": ("SalesOrders", "OrderID"),
    "crm/quotations": ("Quotations", "QuotationID"),
    "salesinvoice/salesinvoices": ("SalesInvoices", "InvoiceID"),
    "salesentry/salesentries": ("SalesEntries", "EntryID"),
    "purchaseentry/purchaseentries": ("PurchaseEntries", "EntryID"),
    "generaljournalentry/generaljournalentries": ("GeneralJournalEntries", "EntryID"),
}
#: Sync API paths (lower case, after ``sync/``) -> collection.
SYNC_SETS = {
    "crm/accounts": "Accounts",
    "logistics/items": "Items",
    "logistics/salesitemprices": "SalesItemPrices",
    "inventory/stockpositions": "StockPositions",
    "financial/glaccounts": "GLAccounts",
    "salesorder/salesorderheaders": "SalesOrderHeaders",
    "salesorder/salesorderlines": "SalesOrderLines",
}
BULK_SETS = {
    "crm/accounts": "Accounts",
    "logistics/items": "Items",
    "logistics/salesitemprices": "SalesItemPrices",
    "salesorder/salesorders": "SalesOrderHeaders",
    "salesorder/salesorderlines": "SalesOrderLines",
}
#: The fields a bulk endpoint filters on, where its reference page limits them.
BULK_FILTERS = {"logistics/salesitemprices": BULK_PRICE_FILTERS}
_FILTERED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s+(?:eq|ne|gt|ge|lt|le)\s", re.IGNORECASE)
#: The ``sync/Deleted`` EntityType a deletion in a collection is logged with.
DELETED_TYPES = {
    "Accounts": (ENTITY_TYPES["Accounts"],),
    "Items": (ENTITY_TYPES["Items"],),
    "SalesItemPrices": (ENTITY_TYPES["ItemPrices"],),
    "SalesOrders": (ENTITY_TYPES["SalesOrders"], ENTITY_TYPES["SalesOrderHeaders"]),
    "StockPositions": (ENTITY_TYPES["StockPositions"],),
}
#: What keeps an account or item from being deleted: (collection, field, lines field).
IN_USE = {
    "Accounts": (
        ("SalesOrders", "OrderedBy", None),
        ("Quotations", "OrderAccount", None),
        ("SalesInvoices", "OrderedBy", None),
        ("SalesEntries", "Customer", None),
        ("PurchaseEntries", "Supplier", None),
        ("GeneralJournalEntries", "Account", "GeneralJournalEntryLines"),
    ),
    "Items": (
        ("SalesOrders", "Item", "SalesOrderLines"),
        ("Quotations", "Item", "QuotationLines"),
        ("SalesInvoices", "Item", "SalesInvoiceLines"),
    ),
}
#: The only filter the Sync API takes.
SYNC_FILTER = re.compile(r"^\s*Timestamp\s+gt\s+\d+L?\s*$", re.IGNORECASE)


def _error(message: str, status: int = 400) -> httpx.Response:
    return json_response({"error": {"code": "", "message": {"lang": "", "value": message}}}, status)


class ExactOAuth(OAuthEmulator):
    """Exact's token endpoint: ``expires_in`` as text, a spent refresh token refused with 400."""

    def __init__(self) -> None:
        super().__init__(
            client_id="sandbox-client",
            client_secret="sandbox-secret",
            access_ttl=600,
            authorize_path="/api/oauth2/auth",
            token_path="/api/oauth2/token",
        )
        #: Token requests refused: a spent or unknown refresh token or code.
        self.refused = 0

    def _token(self, request: SandboxRequest) -> httpx.Response:
        response = super()._token(request)
        if response.status_code == 200:
            body = json.loads(response.content)
            body["expires_in"] = str(body["expires_in"])  # Exact sends digits as text
            return json_response(body)
        if response.status_code == 400:
            self.refused += 1
        return response

    @staticmethod
    def _invalid_grant(description: str) -> httpx.Response:
        # Exact answers a spent ("old") refresh token with 400 Bad Request.
        return json_response(
            {
                "error": "invalid_request",
                "error_description": f"Old refresh token used. {description}",
            },
            400,
        )

    def check(self, request: SandboxRequest) -> httpx.Response | None:
        denied = super().check(request)
        if denied is None:
            return None
        return json_response(
            {"error": {"code": "", "message": {"lang": "", "value": "Unauthorized"}}},
            401,
            {
                "WWW-Authenticate": (
                    'Bearer realm="Exact Online", error_description="access token expired"'
                )
            },
        )


class ExactSandbox(Sandbox):
    """The emulated Exact Online: one division with demo data, 60 calls a minute.

    ``writes`` counts POST, PUT and DELETE calls that reached a handler; ``deleted`` is
    the deletion log ``sync/Deleted`` answers from.
    """

    def error_response(self, status: int, message: str) -> httpx.Response:
        """Exact's OData error body for the toolkit's own errors (no route, faults, 429)."""
        return _error(message, status)

    def contract_refused(self, violations: Sequence[Violation]) -> httpx.Response:
        """Exact's OData error body, 400, for a request that breaks the facts."""
        return _error("; ".join(v.message for v in violations))

    def _enforce(self, request: SandboxRequest) -> SandboxRequest:
        """``request`` checked against its endpoint in :data:`~koppel_exact_online.facts.API`
        (an unknown ``$select`` field is refused, as an OData server does)."""
        name = request.path.rsplit("/", 1)[-1].split("(", 1)[0]
        with self._mutex:
            self.served[(request.method, name)] += 1
        endpoint = API.match(request.method, request.path)
        if endpoint is None:
            return request
        request = self.enforce(endpoint, request)
        select = request.params.get("$select")
        if endpoint.answer is not None and select and select.strip() != "*":
            names = [name.strip() for name in select.split(",") if name.strip()]
            self.enforce_value(
                _selectable(endpoint), dict.fromkeys(names), path="$select", endpoint=endpoint.key
            )
        return request

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock = SYSTEM_CLOCK,
        page_size: int = PAGE,
        sync_page_size: int = SYNC_PAGE,
        **options: Any,
    ) -> None:
        super().__init__(
            "exact-online",
            base_url=BASE_URL,
            clock=clock,
            rate_limit=SandboxRateLimit(per_minute=60, per_day=5000, headers=RATE_LIMIT_HEADERS),
            oauth=ExactOAuth(),
            **options,
        )
        self.division = DIVISION
        self.page_size = page_size
        self.sync_page_size = sync_page_size
        self._rng = random.Random(seed)
        self._timestamps = itertools.count(1_000_001)
        self._numbers = itertools.count(1)
        self._mutex = threading.RLock()
        self.writes = 0
        #: Requests that reached a handler, by method and entity set (``GET Accounts`` counts
        #: ``crm/Accounts``, ``sync/CRM/Accounts`` and ``bulk/CRM/Accounts`` alike).
        self.served: Counter[tuple[str, str]] = Counter()
        self.deleted: list[dict[str, Any]] = []
        #: The demo company's warehouses (stock positions are per item and warehouse).
        self.warehouses = [
            {"ID": self.new_id(), "Code": code, "Description": name}
            for code, name in (("1", "Hoofdmagazijn"), ("2", "Winkel"))
        ]
        for name, key in (*ENTITY_SETS.values(), ("StockPositions", "ID")):
            self.store.collection(name, id_field=key)  # before any lookup creates it keyed "id"
        self._routes_install()

    def connection_settings(self, url: str) -> dict[str, Any]:
        """``base_url`` of a connection to this sandbox served on ``url``."""
        return {"base_url": url}

    # -- data helpers --------------------------------------------------------

    def new_id(self) -> str:
        """A guid, reproducible for a seed."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def stamp(self, record: dict[str, Any], *, created: bool = False) -> dict[str, Any]:
        """Give ``record`` a new Timestamp (row version) and Modified date."""
        record["Timestamp"] = next(self._timestamps)
        now = format_date(_utc(self.clock.now()))
        record["Modified"] = now
        if created:
            record["Created"] = now
        return record

    def put(self, collection: str, key: str, record: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace a record (stamped) in ``collection``."""
        coll = self.store.collection(collection, id_field=self._key(collection))
        self.stamp(record, created=coll.get(key) is None)
        for line in record.get("SalesOrderLines", ()):
            if "Timestamp" not in line:  # a line has its own, changed only with the line
                line["Timestamp"] = next(self._timestamps)
        coll.insert(record)
        return record

    def change_line(self, order_id: str, index: int, **changes: Any) -> None:
        """Change one line of a sales order as a user in Exact does: the line gets a new
        Timestamp, its header keeps its own."""
        order = self.store["SalesOrders"].get(order_id)
        assert order is not None, order_id
        line = order["SalesOrderLines"][index]
        line.update(changes)
        line["Timestamp"] = next(self._timestamps)
        self.store["SalesOrders"].update(order_id, {"SalesOrderLines": order["SalesOrderLines"]})

    def remove(self, collection: str, key: str) -> None:
        """Delete a record as a user in Exact does, logging it for ``sync/Deleted``."""
        self.store[collection].delete(key)
        now = format_date(_utc(self.clock.now()))
        for entity_type in DELETED_TYPES.get(collection, ()):
            self.deleted.append(
                {
                    "ID": self.new_id(),
                    "EntityKey": key,
                    "EntityType": entity_type,
                    "DeletedDate": now,
                    "DeletedBy": None,
                    "Division": self.division,
                    "Timestamp": next(self._timestamps),
                }
            )

    def in_use(self, collection: str, key: str) -> bool:
        """Whether a document refers to account or item ``key`` (Exact refuses to delete it)."""
        for other, field, lines in IN_USE.get(collection, ()):
            for record in self.store[other]:
                rows = record.get(lines) or [] if lines else [record]
                if any(str(row.get(field) or "").lower() == key for row in rows):
                    return True
        return False

    def _next_code(self) -> int:
        codes = [str(r.get("Code") or "").strip() for r in self.store["Accounts"]]
        return max([int(c) for c in codes if c.isdigit()] + [0]) + 1

    @staticmethod
    def _key(collection: str) -> str:
        for name, key in ENTITY_SETS.values():
            if name == collection:
                return key
        return "ID"

    # -- routes --------------------------------------------------------------

    def _routes_install(self) -> None:
        self.add_route("GET", "/api/v1/current/Me", self._me)
        self.add_route("GET", "/api/v1/{division}/sync/Deleted", self._deleted)
        self.add_route("GET", "/api/v1/{division}/{kind}/{service}/{entity}", self._special)
        self.add_route("GET", "/api/v1/{division}/{service}/{entity}", self._get)
        self.add_route("POST", "/api/v1/{division}/{service}/{entity}", self._post)
        self.add_route("PUT", "/api/v1/{division}/{service}/{entity}", self._put)
        self.add_route("DELETE", "/api/v1/{division}/{service}/{entity}", self._delete)

    def _me(self, request: SandboxRequest) -> dict[str, Any]:
        self._enforce(request)
        return {
            "d": {
                "results": [
                    {
                        "__metadata": {
                            "uri": f"{BASE_URL}/api/v1/current/Me(guid'{self.new_id()}')",
                            "type": "Exact.Web.Api.System.Me",
                        },
                        "CurrentDivision": self.division,
                        "FullName": "Sandbox Gebruiker",
                        "Email": "sandbox@example.nl",
                        "LanguageCode": "nl-NL",
                    }
                ]
            }
        }

    def _division_error(self, request: SandboxRequest) -> httpx.Response | None:
        if request.path_params["division"] != str(self.division):
            return _error("Forbidden: no access to this division", 403)
        return None

    def _special(self, request: SandboxRequest) -> httpx.Response:
        denied = self._division_error(request)
        if denied is not None:
            return denied
        request = self._enforce(request)
        kind = request.path_params["kind"].lower()
        path = f"{request.path_params['service']}/{request.path_params['entity']}".lower()
        select = request.params.get("$select")
        if not select or select.strip() == "*":
            return _error(
                "$select is mandatory for the sync and bulk API; $select=* is not allowed"
            )
        try:
            predicate = compile_filter(request.params.get("$filter"))
        except FilterSyntaxError as exc:
            return _error(str(exc))
        if kind == "sync":
            if path not in SYNC_SETS:
                return _error(f"Resource not found: sync/{path}", 404)
            return self._sync_page(request, self._rows(SYNC_SETS[path]))
        elif kind == "bulk":
            if path not in BULK_SETS:
                return _error(f"Resource not found: bulk/{path}", 404)
            if path in SYNC_SETS and not request.params.get("$filter"):
                # Since 2021-07-01 Exact wants a filter where a Sync API exists.
                return _error(f"A $filter is mandatory on bulk/{path}: use sync/{path}")
            allowed = BULK_FILTERS.get(path)
            named = _FILTERED.findall(request.params.get("$filter") or "")
            refused = [name for name in named if allowed is not None and name not in allowed]
            if refused:
                return _error(f"Filtering on {refused[0]} is not supported for bulk/{path}")
            page, token = self._page(
                list(filter(predicate, self._rows(BULK_SETS[path]))),
                "ID",
                request,
                self.sync_page_size,
            )
        else:
            return _error(f"Resource not found: {kind}/{path}", 404)
        return self._envelope(request, page, select, token)

    def _deleted(self, request: SandboxRequest) -> httpx.Response:
        """``sync/Deleted``: the deletion log, as a Sync API feed."""
        denied = self._division_error(request)
        if denied is not None:
            return denied
        request = self._enforce(request)
        select = request.params.get("$select")
        if not select or select.strip() == "*":
            return _error("$select is mandatory for the sync API; $select=* is not allowed")
        return self._sync_page(request, list(self.deleted))

    def _sync_page(self, request: SandboxRequest, rows: list[dict[str, Any]]) -> httpx.Response:
        """One page of a Sync API feed: filtered on ``Timestamp`` only, in its order."""
        filter_text = request.params.get("$filter") or ""
        if filter_text and not SYNC_FILTER.match(filter_text):
            return _error("Only the Timestamp field is allowed as parameter in the sync API")
        predicate = compile_filter(filter_text or None)
        rows = sorted((r for r in rows if predicate(r)), key=lambda r: int(r["Timestamp"]))
        after = request.params.get("$skiptoken")
        if after:
            rows = [r for r in rows if int(r["Timestamp"]) > int(after.rstrip("L"))]
        page = rows[: self.sync_page_size]
        token = f"{page[-1]['Timestamp']}L" if len(rows) > self.sync_page_size else None
        return self._envelope(request, page, request.params.get("$select"), token)

    def _rows(self, collection: str) -> list[dict[str, Any]]:
        if collection == "SalesOrderHeaders":
            return [
                {
                    **{k: v for k, v in order.items() if k != "SalesOrderLines"},
                    "ID": order["OrderID"],
                }
                for order in self.store["SalesOrders"]
            ]
        if collection == "SalesOrderLines":
            return [
                {**line, "OrderID": order["OrderID"], "OrderNumber": order.get("OrderNumber")}
                for order in self.store["SalesOrders"]
                for line in order.get("SalesOrderLines", [])
            ]
        if collection == "GeneralJournalEntryLines":
            return [
                {**line, "EntryID": entry["EntryID"], "JournalCode": entry.get("JournalCode")}
                for entry in self.store["GeneralJournalEntries"]
                for line in entry.get("GeneralJournalEntryLines", [])
            ]
        return self.store[collection].all()

    def _page(
        self, rows: list[dict[str, Any]], key: str, request: SandboxRequest, size: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        after = request.params.get("$skiptoken")
        if after:
            wanted = after.removeprefix("guid'").rstrip("'")
            index = next((i for i, r in enumerate(rows) if str(r.get(key)) == wanted), -1)
            rows = rows[index + 1 :]
        top = request.params.get("$top")
        if top:
            rows = rows[: int(top)]
        page = rows[:size]
        token = f"guid'{page[-1][key]}'" if len(rows) > size else None
        return page, token

    def _envelope(
        self,
        request: SandboxRequest,
        page: list[dict[str, Any]],
        select: str | None,
        token: str | None,
    ) -> httpx.Response:
        fields = [f.strip() for f in select.split(",")] if select else None
        results = [_project(row, fields) for row in page]
        endpoint = API.match("GET", request.path)
        if endpoint is not None and endpoint.answer is not None:
            answer = endpoint.answer  # answered fixed-width, as Exact does: 'NL ', '2  '
            results = [answer.shape(row) for row in results]
        body: dict[str, Any] = {"results": results}
        if token:
            params = {k: v for k, v in request.params.items() if k != "$skiptoken"}
            params["$skiptoken"] = token
            body["__next"] = f"{BASE_URL}{request.path}?{urlencode(params, safe='$,')}"
        return json_response({"d": body})

    def _entity_set(self, request: SandboxRequest) -> tuple[str, str, str | None] | httpx.Response:
        """(collection, key field, key in the path or None), or an error response."""
        denied = self._division_error(request)
        if denied is not None:
            return denied
        entity = request.path_params["entity"]
        key = None
        if "(" in entity and entity.endswith(")"):
            entity, _, inner = entity[:-1].partition("(")
            key = inner.removeprefix("guid").strip("'").lower()
        path = f"{request.path_params['service']}/{entity}".lower()
        if path == "generaljournalentry/generaljournalentrylines":
            return "GeneralJournalEntryLines", "ID", key
        if path not in ENTITY_SETS:
            return _error(f"Resource not found: {path}", 404)
        collection, key_field = ENTITY_SETS[path]
        return collection, key_field, key

    def _get(self, request: SandboxRequest) -> httpx.Response:
        found = self._entity_set(request)
        if isinstance(found, httpx.Response):
            return found
        request = self._enforce(request)
        collection, key_field, key = found
        select = request.params.get("$select")
        if key is not None:
            record = self.store[collection].get(key)
            if record is None:
                return _error(f"{collection}: not found", 404)
            return json_response({"d": _project(record, select.split(",") if select else None)})
        try:
            predicate = compile_filter(request.params.get("$filter"))
        except FilterSyntaxError as exc:
            return _error(str(exc))
        rows = [r for r in self._rows(collection) if predicate(r)]
        page, token = self._page(rows, key_field, request, self.page_size)
        return self._envelope(request, page, select, token)

    def _post(self, request: SandboxRequest) -> httpx.Response:
        found = self._entity_set(request)
        if isinstance(found, httpx.Response):
            return found
        request = self._enforce(request)
        collection, key_field, _ = found
        try:
            body = request.json
        except ValueError:
            return _error("Error parsing the request body as JSON")
        if not isinstance(body, dict):
            return _error("The request body must be a JSON object")
        validate = _VALIDATORS.get(collection)
        with self._mutex:
            message = validate(self, body) if validate else None
            if message:
                return _error(message)
            body[key_field] = self.new_id()
            if collection == "Accounts" and not body.get("Code"):
                body["Code"] = pad_code(self._next_code())
            if collection in ("SalesOrders", "Quotations", "SalesInvoices"):
                number_field = {"SalesOrders": "OrderNumber", "Quotations": "QuotationNumber"}.get(
                    collection, "InvoiceNumber"
                )
                body[number_field] = next(self._numbers)
            if collection in ("SalesEntries", "PurchaseEntries", "GeneralJournalEntries"):
                body["EntryNumber"] = next(self._numbers)
                body["Status"] = 20
            if collection == "GeneralJournalEntries":
                for line in body.get("GeneralJournalEntryLines", []):
                    line["ID"] = self.new_id()
            body["Division"] = self.division
            record = self.put(collection, body[key_field], body)
            self.writes += 1
        service, entity = request.path_params["service"], request.path_params["entity"]
        uri = f"{BASE_URL}/api/v1/{self.division}/{service}/{entity}(guid'{record[key_field]}')"
        return json_response({"d": {"__metadata": {"uri": uri}, **record}}, 201)

    def _put(self, request: SandboxRequest) -> httpx.Response:
        found = self._entity_set(request)
        if isinstance(found, httpx.Response):
            return found
        request = self._enforce(request)
        collection, key_field, key = found
        if key is None:
            return _error("PUT needs the key in the URL: Entity(guid'…')")
        with self._mutex:
            record = self.store[collection].get(key)
            if record is None:
                return _error(f"{collection}: not found", 404)
            changes = request.json or {}
            if (
                collection == "Accounts"
                and changes.get("Code")
                and changes["Code"] != record["Code"]
            ):
                return _error("Code cannot be changed")
            record.update(changes)
            record[key_field] = key
            self.put(collection, key, record)
            self.writes += 1
        return httpx.Response(204)

    def _delete(self, request: SandboxRequest) -> httpx.Response:
        """DELETE of a record, where the facts document it; 404 for one not there, 400 for an
        account or item a document uses."""
        if API.match("DELETE", request.path) is None:
            return _error("The requested resource does not support http method 'DELETE'.", 405)
        found = self._entity_set(request)
        if isinstance(found, httpx.Response):
            return found
        request = self._enforce(request)
        collection, _, key = found
        if key is None:
            return _error("DELETE needs the key in the URL: Entity(guid'…')")
        with self._mutex:
            if self.store[collection].get(key) is None:
                return _error(f"{collection}: not found", 404)
            if self.in_use(collection, key):
                return _error(f"{collection}: the record is in use and cannot be deleted")
            self.remove(collection, key)
            self.writes += 1
        return httpx.Response(204)


def _utc(seconds: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC)


_SELECTABLE: dict[str, Contract] = {}


def _selectable(endpoint: Endpoint) -> Contract:
    """The fields ``endpoint`` answers, as a contract of names a ``$select`` may list."""
    answer = endpoint.answer
    assert answer is not None
    if endpoint.key not in _SELECTABLE:
        fields = [Field(f.name, "text", source=f.source) for f in answer.fields]
        _SELECTABLE[endpoint.key] = Contract(
            f"{answer.name} ($select)", fields, source=answer.source
        )
    return _SELECTABLE[endpoint.key]


def _project(row: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    if not fields:
        return row
    return {f: row.get(f) for f in (x.strip() for x in fields) if f}


def _exists(sandbox: ExactSandbox, collection: str, key: Any) -> bool:
    return isinstance(key, str) and sandbox.store[collection].get(key.lower()) is not None


def _lines(body: dict[str, Any], field: str) -> list[dict[str, Any]] | str:
    lines = body.get(field)
    if not isinstance(lines, list) or not lines:
        return f"You must include at least one line in {field}"
    return lines


def _check_items(sandbox: ExactSandbox, lines: list[dict[str, Any]]) -> str | None:
    for index, line in enumerate(lines, 1):
        if not _exists(sandbox, "Items", line.get("Item")):
            return f"Line {index}: Item: not found ({line.get('Item')})"
    return None


def _validate_account(sandbox: ExactSandbox, body: dict[str, Any]) -> str | None:
    if not str(body.get("Name") or "").strip():
        return "Mandatory: Name"
    code = body.get("Code")
    if code:
        if len(str(code)) != 18:
            return "Code: the code must be 18 characters, right-aligned with spaces"
        if sandbox.store["Accounts"].find(Code=code):
            return f"Code already exists: {str(code).strip()}"
    return None


def _validate_contact(sandbox: ExactSandbox, body: dict[str, Any]) -> str | None:
    if not _exists(sandbox, "Accounts", body.get("Account")):
        return "Account: not found"
    if not (body.get("LastName") or body.get("FirstName")):
        return "Mandatory: LastName"
    return None


def _validate_item(sandbox: ExactSandbox, body: dict[str, Any]) -> str | None:
    if not body.get("Code"):
        return "Mandatory: Code"
    if not body.get("Description"):
        return "Mandatory: Description"
    if sandbox.store["Items"].find(Code=body["Code"]):
        return f"Item code already exists: {body['Code']}"
    return None


def _validate_order(sandbox: ExactSandbox, body: dict[str, Any]) -> str | None:
    if not _exists(sandbox, "Accounts", body.get("OrderedBy")):
        return "OrderedBy: customer not found"
    lines = _lines(body, "SalesOrderLines")
    if isinstance(lines, str):
        return lines
    body["Status"] = 12
    body["AmountFC"] = float(
        sum(Decimal(str(x.get("NetPrice", 0))) * Decimal(str(x.get("Quantity", 1))) for x in lines)
    )
    for number, line in enumerate(lines, 1):
        line["ID"] = sandbox.new_id()
        line["LineNumber"] = number
    return _check_items(sandbox, lines)


def _validate_quotation(sandbox: ExactSandbox, body: dict[str, Any]) -> str | None:
    if not _exists(sandbox, "Accounts", body.get("OrderAccount")):
        return "OrderAccount: not found"
    lines = _lines(body, "QuotationLines")
    if isinstance(lines, str):
        return lines
    body["Status"] = 20
    return _check_items(sandbox, lines)


def _validate_invoice(sandbox: ExactSandbox, body: dict[str, Any]) -> str | None:
    if not _exists(sandbox, "Accounts", body.get("OrderedBy")):
        return "OrderedBy: customer not found"
    if not body.get("Journal"):
        return "Mandatory: Journal"
    kind = body.get("Type", 8020)
    if kind in (8023, 8024) and not body.get("Warehouse"):
        return "Warehouse: mandatory for a direct sales invoice"
    if kind in (8020, 8021) and body.get("Warehouse"):
        return "Warehouse: cannot be set for a normal sales invoice"
    lines = _lines(body, "SalesInvoiceLines")
    if isinstance(lines, str):
        return lines
    body["Status"] = 20 if kind in (8023, 8024) else 10
    return _check_items(sandbox, lines)


def _check_gl(sandbox: ExactSandbox, lines: list[dict[str, Any]]) -> str | None:
    for index, line in enumerate(lines, 1):
        if not _exists(sandbox, "GLAccounts", line.get("GLAccount")):
            return f"Line {index}: GLAccount: not found ({line.get('GLAccount')})"
        if "AmountFC" not in line:
            return f"Line {index}: Mandatory: AmountFC"
    return None


def _validate_entry(
    party: str, lines_field: str
) -> Callable[[ExactSandbox, dict[str, Any]], str | None]:
    def validate(sandbox: ExactSandbox, body: dict[str, Any]) -> str | None:
        if not body.get("Journal"):
            return "Mandatory: Journal"
        if str(body["Journal"]) not in JOURNALS:
            return f"Journal: journal {body['Journal']} not found"
        period = _period_error(body.get("EntryDate"))
        if period:
            return period
        if not _exists(sandbox, "Accounts", body.get(party)):
            return f"{party}: not found"
        lines = _lines(body, lines_field)
        if isinstance(lines, str):
            return lines
        return _check_gl(sandbox, lines)

    return validate


#: The demo company's journals: sales, purchase, general (memoriaal).
JOURNALS = {"70": "Verkoopboek", "60": "Inkoopboek", "90": "Memoriaal"}
#: The demo company has financial periods from this year on.
FIRST_YEAR = 2020


def _period_error(value: Any) -> str | None:
    text = str(value or "")
    if text[:4].isdigit() and int(text[:4]) < FIRST_YEAR:
        return f"Date: no financial period for {text[:10]}"
    return None


def _validate_journal(sandbox: ExactSandbox, body: dict[str, Any]) -> str | None:
    if not body.get("JournalCode"):
        return "Mandatory: JournalCode"
    if str(body["JournalCode"]) not in JOURNALS:
        return f"JournalCode: journal {body['JournalCode']} not found"
    lines = _lines(body, "GeneralJournalEntryLines")
    if isinstance(lines, str):
        return lines
    problem = _check_gl(sandbox, lines)
    if problem:
        return problem
    for index, line in enumerate(lines, 1):
        if line.get("Account") and not _exists(sandbox, "Accounts", line["Account"]):
            return f"Line {index}: Account: not found"
        period = _period_error(line.get("Date"))
        if period:
            return f"Line {index}: {period}"
    total = sum((Decimal(str(x["AmountFC"])) for x in lines), Decimal(0))
    if total != 0:
        return f"The entry is not in balance: difference {total}"
    return None


def _validate_price(sandbox: ExactSandbox, body: dict[str, Any]) -> str | None:
    item = sandbox.store["Items"].get(str(body.get("Item") or "").lower())
    if item is None:
        return "Item: not found"
    if body.get("Account") and not _exists(sandbox, "Accounts", body["Account"]):
        return "Account: not found"
    body["ItemCode"] = item["Code"]
    for field in ("Account", "StartDate", "EndDate"):
        body.setdefault(field, None)
    body.setdefault("Quantity", 0)
    body.setdefault("Currency", "EUR")
    body.setdefault("Unit", item.get("Unit"))
    return None


_VALIDATORS: dict[str, Callable[[ExactSandbox, dict[str, Any]], str | None]] = {
    "Accounts": _validate_account,
    "SalesItemPrices": _validate_price,
    "Contacts": _validate_contact,
    "Items": _validate_item,
    "SalesOrders": _validate_order,
    "Quotations": _validate_quotation,
    "SalesInvoices": _validate_invoice,
    "SalesEntries": _validate_entry("Customer", "SalesEntryLines"),
    "PurchaseEntries": _validate_entry("Supplier", "PurchaseEntryLines"),
    "GeneralJournalEntries": _validate_journal,
}


def make_sandbox(
    seed: int = 0,
    volume: int | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    customers: int = 12,
    products: int = 20,
    orders: int = 6,
    **options: Any,
) -> ExactSandbox:
    """An Exact Online sandbox with a demo company (reproducible for ``seed``).

    :param volume: accounts, items and sales orders each (``koppel sandbox serve
        --volume``), in place of ``customers``, ``products`` and ``orders``.
    :param customers: demo accounts with status C (plus two more that share one e-mail
        address, as real data does, and two suppliers).
    :param products: demo items, each with a stock position.
    :param orders: demo sales orders.
    :param options: for :class:`ExactSandbox` (``page_size``, ``sync_page_size``,
        ``latency``, ``faults``).
    """
    if volume is not None:
        customers = products = orders = volume
    sandbox = ExactSandbox(seed=seed, clock=clock, **options)
    seed_demo(sandbox, customers=customers, products=products, orders=orders)
    return sandbox
