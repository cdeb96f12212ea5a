"""An in-process emulator of the Visma eAccounting API v2, with a demo company.

What it emulates, as documented (see the plugin README for the sources):

- the identity server's ``/connect/authorize`` and ``/connect/token`` with
  rotating single-use refresh tokens (``400 invalid_grant`` on reuse);
- ``/v2/orders``, ``/v2/customers``, ``/v2/articles``, ``/v2/customerinvoicedrafts``
  (list, get, create, replace; delete customers, orders and drafts as S1 allows),
  ``/v2/customerinvoices`` (list; one per invoiced
  demo order, paid, partly paid or unpaid) with payments on them
  (``POST /v2/customerinvoices/{id}/payments``) and the reference lists ``/v2/vatcodes``,
  ``/v2/termsofpayments``, ``/v2/units``, ``/v2/articleaccountcodings``;
- ``/v2/companysettings`` (``company_settings``: the country, currency and
  ``ShowPricesExclVatPC`` that decide a document's ``IncludesVat``);
- list envelopes ``{"Meta": {"CurrentPage", "PageSize", "TotalNumberOfPages",
  "TotalNumberOfResults", "ServerTimeUtc"}, "Data": [...]}`` with ``$page``,
  ``$pagesize``, ``$filter`` and ``$orderby``;
- 600 calls a minute per endpoint, answered with ``429`` and eAccounting's body
  (the wait is only in the message, no headers);
- error bodies ``{"ErrorCode", "DeveloperErrorMessage", "ErrorId"}``: 2000
  validation, 3000 not found (``400``, as S1 documents for customers, articles,
  orders, drafts and ids in a body; ``404`` for units, VAT codes and terms of
  payment), 4000 conflict, 4001 a delete refused (a customer with transactions, a
  shipped or invoiced order);
- the request contracts of :mod:`koppel_eaccounting.facts` on every route: a body
  that breaks one is refused with ``400``, code 2000 and one ``Errors`` entry
  (``{"Field", "ErrorCode", "Message"}``) per broken field.

Use ``make_sandbox(seed)`` (also the connector's ``sandbox``) and
``sandbox.transport()``; ``CLIENT_ID``/``CLIENT_SECRET`` are the app it accepts.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from koppel.http import SYSTEM_CLOCK, Clock
from koppel.sandbox import OAuthEmulator, Sandbox, SandboxRequest, Violation, json_response
from koppel_eaccounting._odata import ODataError, compile_filter, sort_records
from koppel_eaccounting.client import API_URL, SYSTEM
from koppel_eaccounting.demo import (
    COMPANY_SETTINGS,
    demo_data,
    make_invoices,
    make_orders,
    money,
    order_amounts,
    utc_text,
)
from koppel_eaccounting.facts import API
from koppel_eaccounting.payloads import number_fields

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "MAX_PAGE_SIZE", "EAccountingSandbox", "make_sandbox"]

CLIENT_ID = "koppel-sandbox"
CLIENT_SECRET = "koppel-sandbox-secret"
#: The largest ``$pagesize`` honoured (the real maximum is not documented).
MAX_PAGE_SIZE = 1000
_DEFAULT_PAGE_SIZE = 50


_Builder = Callable[[dict[str, Any], dict[str, Any] | None], dict[str, Any]]


class ApiError(Exception):
    """An eAccounting error answer raised inside a handler (``field``: the one it names)."""

    def __init__(self, status: int, code: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def error_response(
    status: int, code: int, message: str, field: str | None = None
) -> httpx.Response:
    """An eAccounting error body; with ``field``, one ``Errors`` entry naming it."""
    body: dict[str, Any] = {
        "ErrorCode": code,
        "DeveloperErrorMessage": message,
        "ErrorId": str(uuid.uuid4()),
    }
    if field is not None:
        body["Errors"] = [{"Field": field, "ErrorCode": str(code), "Message": message}]
    return json_response(body, status)


def _invalid(message: str) -> ApiError:
    return ApiError(400, 2000, message)


class EAccountingSandbox(Sandbox):
    """The eAccounting emulator; ``store`` holds collections by endpoint name.

    :param seed: seeds the generated demo orders.
    :param clock: time for stamps and the rate-limit window.
    :param per_minute: calls allowed per endpoint per minute (600 like the API).
    :param orders: how many demo orders to generate.
    :param access_ttl: lifetime of access tokens in seconds.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock = SYSTEM_CLOCK,
        per_minute: int | None = 600,
        orders: int = 36,
        access_ttl: int = 3600,
    ) -> None:
        oauth = OAuthEmulator(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            access_ttl=access_ttl,
            authorize_path="/connect/authorize",
            token_path="/connect/token",
        )
        super().__init__(SYSTEM, base_url=API_URL, clock=clock, oauth=oauth)
        self.per_minute = per_minute
        self.rejected = 0
        self._window: Counter[tuple[str, int]] = Counter()
        data = demo_data()
        for name, records in data.items():
            self.store.seed(name, records, id_field="Id")
        made = make_orders(data, seed=seed, count=orders)
        self.store.seed("orders", made, id_field="Id")
        self.store.seed("customerinvoices", make_invoices(made), id_field="Id")
        self.store.collection("customerinvoicedrafts", id_field="Id")
        #: The company's settings, as ``GET /v2/companysettings`` answers them.
        self.company_settings: dict[str, Any] = dict(COMPANY_SETTINGS)
        self._routes_for_api()

    # -- rate limit -------------------------------------------------------------------

    def throttle(self, request: httpx.Request) -> httpx.Response | None:
        """Count the call against its endpoint's minute; a 429 once the minute is spent."""
        path = request.url.path
        if self.per_minute is None or not path.startswith("/v2/"):
            return None
        endpoint = "/".join(path.split("/")[:3]).lower()
        now = self.clock.now()
        window = int(now // 60)
        with self._lock:
            if self._window[(endpoint, window)] >= self.per_minute:
                self.rejected += 1
                wait = max(math.ceil((window + 1) * 60 - now), 1)
                return self.rate_limited({"Retry-After": str(wait)})
            self._window[(endpoint, window)] += 1
        return None

    def error_response(self, status: int, message: str) -> httpx.Response:
        """eAccounting's error body for the toolkit's own errors (no route, faults):
        code 4000, Visma's "general error" (an assumption for these cases)."""
        return error_response(status, 4000, message)

    def contract_refused(self, violations: Sequence[Violation]) -> httpx.Response:
        """eAccounting's answer to a body that breaks its contract: ``400``, code 2000
        (DataModelValidationError) and one ``Errors`` entry per broken field
        (``CommonExtendedBadRequest``, S1; 400 is the only error status S1 documents)."""
        errors = [
            {"Field": v.path or None, "ErrorCode": "2000", "Message": v.message} for v in violations
        ]
        body = {
            "ErrorCode": 2000,
            "DeveloperErrorMessage": "; ".join(v.message for v in violations),
            "ErrorId": str(uuid.uuid4()),
            "Errors": errors,
        }
        return json_response(body, 400)

    def rate_limited(self, headers: Mapping[str, str]) -> httpx.Response:
        """eAccounting's 429: the wait only in the message, no headers (also for a 429 fault)."""
        limit = self.per_minute if self.per_minute is not None else 600
        return error_response(
            429,
            4010,
            f"API calls quota exceeded! maximum admitted {limit} per Minute. "
            f"Try again in {headers.get('Retry-After', '60')} seconds.",
        )

    def connection_settings(self, url: str) -> dict[str, Any]:
        """``api_url`` and ``identity_url`` of a connection to this sandbox served on ``url``."""
        return {"api_url": f"{url}/v2/", "identity_url": url}

    # -- helpers ----------------------------------------------------------------------

    def now_text(self) -> str:
        """The sandbox's current time as eAccounting writes it."""
        return utc_text(datetime.fromtimestamp(self.clock.now(), UTC))

    def _answer(self, handler: Callable[[SandboxRequest], Any]) -> Callable[[SandboxRequest], Any]:
        def answer(request: SandboxRequest) -> Any:
            try:
                return handler(request)
            except ApiError as exc:
                return error_response(exc.status, exc.code, exc.message, exc.field)

        return answer

    def _get(self, collection: str, key: str, what: str) -> dict[str, Any]:
        found = self.store[collection].get(key) if _is_guid(key) else None
        if found is None:
            # S1 documents only 400 for customers, articles, orders and drafts by id, and 404
            # for reference lists such as units and vatcodes (REFERENCE.md mismatch 9).
            status = 404 if collection in _NOT_FOUND_404 else 400
            raise ApiError(status, 3000, f"{what} with id {key} was not found")
        return found

    def _getter(self, collection: str, what: str) -> Callable[[SandboxRequest], Any]:
        def handler(request: SandboxRequest) -> Any:
            return self._get(collection, request.path_params["id"], what)

        return handler

    def _list(self, collection: str) -> Callable[[SandboxRequest], Any]:
        def handler(request: SandboxRequest) -> Any:
            # The stored records themselves: the page is encoded into the response at once.
            records = self.store[collection].stored()
            try:
                page = int(request.params.get("$page", "1"))
                size = int(request.params.get("$pagesize", str(_DEFAULT_PAGE_SIZE)))
            except ValueError:
                raise _invalid("$page and $pagesize must be whole numbers") from None
            if page < 1 or size < 1:
                raise _invalid("$page and $pagesize must be at least 1")
            size = min(size, MAX_PAGE_SIZE)
            try:
                if request.params.get("$filter"):
                    keep = compile_filter(request.params["$filter"])
                    records = [r for r in records if keep(r)]
                records = sort_records(records, request.params.get("$orderby"))
            except ODataError as exc:
                raise _invalid(f"The query specified in the URI is not valid. {exc}") from None
            total = len(records)
            pages = math.ceil(total / size) if total else 0
            chunk = records[(page - 1) * size : page * size]
            return {
                "Meta": {
                    "CurrentPage": page,
                    "PageSize": size,
                    "TotalNumberOfPages": pages,
                    "TotalNumberOfResults": total,
                    "ServerTimeUtc": self.now_text(),
                },
                "Data": chunk,
            }

        return handler

    def _routes_for_api(self) -> None:
        lists = {
            "orders": "orders",
            "customers": "customers",
            "articles": "articles",
            "customerinvoicedrafts": "customerinvoicedrafts",
            "customerinvoices": "customerinvoices",
            "vatcodes": "vatcodes",
            "termsofpayments": "termsofpayment",
            "units": "units",
            "articleaccountcodings": "articleaccountcodings",
        }
        for path, collection in lists.items():
            pattern = f"/v2/{path}"
            self.add_route(
                "GET",
                pattern,
                self._answer(self._list(collection)),
                contract=API.get("GET", pattern),
            )
        singles = {
            "orders": ("orders", "Order"),
            "customers": ("customers", "Customer"),
            "articles": ("articles", "Article"),
            "customerinvoicedrafts": ("customerinvoicedrafts", "Customer invoice draft"),
            "vatcodes": ("vatcodes", "VAT code"),
            "termsofpayments": ("termsofpayment", "Terms of payment"),
        }
        for path, (collection, what) in singles.items():
            pattern = f"/v2/{path}/{{id}}"
            self.add_route(
                "GET",
                pattern,
                self._answer(self._getter(collection, what)),
                contract=API.get("GET", pattern),
            )
        writers: dict[str, _Builder] = {
            "customers": self._customer,
            "articles": self._article,
            "orders": self._order,
            "customerinvoicedrafts": self._draft,
        }
        for path, build in writers.items():
            create, replace = f"/v2/{path}", f"/v2/{path}/{{id}}"
            self.add_route(
                "POST",
                create,
                self._answer(self._creator(path, build)),
                contract=API.get("POST", create),
            )
            self.add_route(
                "PUT",
                replace,
                self._answer(self._replacer(path, build)),
                contract=API.get("PUT", replace),
            )

        self.add_route(
            "GET",
            "/v2/companysettings",
            lambda request: dict(self.company_settings),
            contract=API.get("GET", "/v2/companysettings"),
        )
        deleters = {
            "customers": self._delete_customer,
            "orders": self._delete_order,
            "customerinvoicedrafts": self._delete_draft,
        }
        for path, handler in deleters.items():
            pattern = f"/v2/{path}/{{id}}"
            self.add_route(
                "DELETE", pattern, self._answer(handler), contract=API.get("DELETE", pattern)
            )
        payments = "/v2/customerinvoices/{id}/payments"
        self.add_route(
            "POST",
            payments,
            self._answer(self._payment),
            contract=API.get("POST", payments),
        )

    def _delete_customer(self, request: SandboxRequest) -> Any:
        """Only a customer without transactions (orders, drafts, invoices) is deleted (S1);
        else code 4001 CanNotBeDeleted."""
        customer = self._get("customers", request.path_params["id"], "Customer")
        for collection in ("orders", "customerinvoicedrafts", "customerinvoices"):
            if self.store[collection].find(CustomerId=customer["Id"]):
                raise ApiError(
                    400,
                    4001,
                    "The customer has transactions and cannot be deleted; set IsActive to false",
                )
        self.store["customers"].delete(customer["Id"])
        return httpx.Response(200)

    def _delete_order(self, request: SandboxRequest) -> Any:
        """A shipped or invoiced order cannot be deleted (S1): code 4001."""
        order = self._get("orders", request.path_params["id"], "Order")
        if order["Status"] in (3, 4):
            raise ApiError(400, 4001, "Orders that are shipped or invoiced cannot be deleted")
        self.store["orders"].delete(order["Id"])
        return httpx.Response(200)

    def _delete_draft(self, request: SandboxRequest) -> Any:
        draft = self._get("customerinvoicedrafts", request.path_params["id"], "Invoice draft")
        self.store["customerinvoicedrafts"].delete(draft["Id"])
        return httpx.Response(200)

    def _payment(self, request: SandboxRequest) -> Any:
        """A payment on a customer invoice: what remains goes down by its amount; paid
        in full (``PaymentStatus`` 0) once nothing remains."""
        invoice = self._get("customerinvoices", request.path_params["id"], "Customer invoice")
        body = _body(request)
        if body["PaymentCurrency"] != invoice["CurrencyCode"]:
            raise _invalid(f"PaymentCurrency must be the invoice's {invoice['CurrencyCode']}")
        remaining = Decimal(str(invoice["RemainingAmount"])) - Decimal(str(body["PaymentAmount"]))
        now = self.now_text()
        self.store["customerinvoices"].update(
            invoice["Id"],
            {
                "RemainingAmount": money(remaining),
                "RemainingAmountInvoiceCurrency": money(remaining),
                "PaymentStatus": 0 if remaining <= 0 else invoice["PaymentStatus"],
                "PaymentDate": body.get("PaymentDate") or now,
                "ModifiedUtc": now,
            },
        )
        return json_response({**body, "BankTransactionId": str(uuid.uuid4())}, 201)

    def _creator(
        self,
        collection: str,
        build: Callable[[dict[str, Any], dict[str, Any] | None], dict[str, Any]],
    ) -> Callable[[SandboxRequest], Any]:
        def handler(request: SandboxRequest) -> Any:
            record = build(_numbers(collection, _body(request)), None)
            record["Id"] = str(uuid.uuid4())
            return json_response(self.store[collection].insert(record), 201)

        return handler

    def _replacer(
        self,
        collection: str,
        build: Callable[[dict[str, Any], dict[str, Any] | None], dict[str, Any]],
    ) -> Callable[[SandboxRequest], Any]:
        def handler(request: SandboxRequest) -> Any:
            key = request.path_params["id"]
            current = self._get(collection, key, collection.rstrip("s").capitalize())
            record = build(_numbers(collection, _body(request)), current)
            record["Id"] = current["Id"]
            self.store[collection].insert(record)
            return self.store[collection].get(current["Id"])

        return handler

    # -- resources --------------------------------------------------------------------

    def _reference(self, collection: str, key: Any, field: str) -> dict[str, Any]:
        found = self.store[collection].get(str(key)) if _is_guid(key) else None
        if found is None:
            raise ApiError(400, 3000, f"{field} {key} does not exist", field)
        return found

    def _unique(self, collection: str, field: str, value: Any, own_id: str | None) -> None:
        for other in self.store[collection].find(**{field: value}):
            if other["Id"] != own_id:
                raise ApiError(
                    400, 4000, f"A {collection[:-1]} with {field} {value} already exists", field
                )

    def _customer(self, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        _require(body, "Name", "IsPrivatePerson", "IsActive", "TermsOfPaymentId")
        _require(body, "InvoicePostalCode", "InvoiceCity")
        terms = self._reference("termsofpayment", body["TermsOfPaymentId"], "TermsOfPaymentId")
        own = current["Id"] if current else None
        number = body.get("CustomerNumber") or (current or {}).get("CustomerNumber")
        if not number:
            taken = [
                int(c["CustomerNumber"])
                for c in self.store["customers"].all()
                if str(c.get("CustomerNumber", "")).isdigit()
            ]
            number = str(max(taken, default=1000) + 1)
        self._unique("customers", "CustomerNumber", number, own)
        return {
            **body,
            "CustomerNumber": number,
            "CurrencyCode": body.get("CurrencyCode") or "EUR",
            "TermsOfPayment": terms,
            "ChangedUtc": self.now_text(),
        }

    def _article(self, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        _require(body, "Number", "Name", "IsActive", "UnitId", "CodingId")
        unit = self._reference("units", body["UnitId"], "UnitId")
        coding = self._reference("articleaccountcodings", body["CodingId"], "CodingId")
        self._unique("articles", "Number", body["Number"], current["Id"] if current else None)
        rate = Decimal(str(coding.get("VatRatePercent") or 0))
        net, gross = body.get("NetPrice"), body.get("GrossPrice")
        if net is not None and gross is None:
            gross = money(Decimal(str(net)) * (1 + rate))
        elif gross is not None and net is None:
            net = money(Decimal(str(gross)) / (1 + rate))
        stock = float(body.get("StockBalance") or 0)
        reserved = float((current or {}).get("StockBalanceReserved") or 0)
        now = self.now_text()
        return {
            **body,
            "NetPrice": net,
            "GrossPrice": gross,
            "UnitName": unit["Name"],
            "UnitAbbreviation": unit["Abbreviation"],
            "CodingName": coding["Name"],
            "StockBalance": stock,
            "StockBalanceReserved": reserved,
            "StockBalanceAvailable": stock - reserved,
            "Barcodes": body.get("Barcodes") or [],
            "CreatedUtc": (current or {}).get("CreatedUtc") or now,
            "ChangedUtc": now,
        }

    def _rows(
        self, rows: Any, required: tuple[str, ...], includes_vat: bool
    ) -> list[dict[str, Any]]:
        """The document's rows as stored; a row without ``UnitPrice`` gets the article's
        price, gross when the document includes VAT."""
        if rows is None:
            return []
        if not isinstance(rows, list):
            raise _invalid("Rows must be a list")
        result = []
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                raise _invalid(f"Rows[{index}] must be an object")
            _require(row, *required, where=f"Rows[{index}].")
            row = dict(row)
            if not row.get("IsTextRow"):
                if not row.get("ArticleId"):
                    raise _invalid(f"Rows[{index}].ArticleId is required if IsTextRow is false")
                article = self._reference("articles", row["ArticleId"], f"Rows[{index}].ArticleId")
                row["ArticleNumber"] = article["Number"]
                row.setdefault("Text", article["Name"])
                if row.get("UnitPrice") is None:
                    row["UnitPrice"] = article.get("GrossPrice" if includes_vat else "NetPrice")
                row.setdefault("Quantity", 1.0)
                row.setdefault("DiscountPercentage", 0.0)
            row.setdefault("Id", str(uuid.uuid4()))
            row.setdefault("LineNumber", index)
            result.append(row)
        return result

    def _amounts(self, rows: list[dict[str, Any]], includes_vat: bool) -> tuple[float, float]:
        articles = {a["Id"]: a for a in self.store["articles"].all()}
        codings = {c["Id"]: c for c in self.store["articleaccountcodings"].all()}
        return order_amounts(rows, articles, codings, includes_vat=includes_vat)

    def _includes_vat(self, customer: Mapping[str, Any]) -> bool:
        """A document's read-only ``IncludesVat``: the company shows prices with VAT to
        private persons (``ShowPricesExclVatPC``) and the customer is one (S1)."""
        shows = bool(self.company_settings.get("ShowPricesExclVatPC"))
        return shows and bool(customer.get("IsPrivatePerson"))

    def _order(self, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        _require(body, "CustomerId", "CurrencyCode", "Status", "EuThirdParty")
        _require(body, "RotReducedInvoicingType", "ReverseChargeOnConstructionServices")
        if body["Status"] not in (1, 2, 3, 4):
            raise _invalid("Status must be 1 (Draft), 2 (Ongoing), 3 (Shipped) or 4 (Invoiced)")
        customer = self._reference("customers", body["CustomerId"], "CustomerId")
        includes_vat = self._includes_vat(customer)
        rows = self._rows(
            body.get("Rows"),
            ("LineNumber", "IsTextRow", "IsWorkCost", "EligibleForReverseChargeOnVat"),
            includes_vat,
        )
        amount, vat = self._amounts(rows, includes_vat)
        number = (current or {}).get("Number") or max(
            (int(o["Number"]) for o in self.store["orders"].all()), default=0
        ) + 1
        now = self.now_text()
        record = {**_address_defaults(body, customer), **body}
        record.update(
            Number=number,
            Rows=rows,
            Amount=amount,
            VatAmount=vat,
            RoundingsAmount=0.0,
            InvoiceCustomerName=customer["Name"],
            CustomerIsPrivatePerson=customer["IsPrivatePerson"],
            IncludesVat=includes_vat,
            CreatedUtc=(current or {}).get("CreatedUtc") or now,
            ModifiedUtc=now,
        )
        return record

    def _draft(self, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        _require(body, "CustomerId", "RotReducedInvoicingType", "EuThirdParty")
        customer = self._reference("customers", body["CustomerId"], "CustomerId")
        includes_vat = self._includes_vat(customer)
        rows = self._rows(
            body.get("Rows"), ("IsTextRow", "ReversedConstructionServicesVatFree"), includes_vat
        )
        amount, vat = self._amounts(rows, includes_vat)
        record = {**_address_defaults(body, customer), **body}
        record.update(
            Rows=rows,
            TotalAmount=round(amount + vat, 2),
            TotalVatAmount=vat,
            TotalRoundings=0.0,
            CustomerNumber=customer.get("CustomerNumber"),
            InvoiceCustomerName=customer["Name"],
            CustomerIsPrivatePerson=customer["IsPrivatePerson"],
            IncludesVat=includes_vat,
            InvoiceCurrencyCode=body.get("InvoiceCurrencyCode") or customer.get("CurrencyCode"),
            CreatedUtc=(current or {}).get("CreatedUtc") or self.now_text(),
        )
        return record


#: Collections whose ``GET …/{id}`` answers a missing id with 404 (S1); the rest answer 400.
_NOT_FOUND_404 = frozenset({"units", "vatcodes", "termsofpayment"})


def _is_guid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _body(request: SandboxRequest) -> dict[str, Any]:
    try:
        body = request.json
    except ValueError:
        raise _invalid("The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object")
    body.pop("Id", None)
    return body


def _numbers(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` when its numbers have no more decimals and lie in the range S1 gives
    (facts.NUMBERS: its ``pattern``, ``minimum`` and ``maximum``); else code 2000."""
    for field, holder, key, limit in number_fields(path, body):
        value = holder[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ApiError(400, 2000, f"{field} must be a number", field)
        number = Decimal(str(value))
        if number != round(number, limit.decimals):
            raise ApiError(400, 2000, f"{field} takes {limit.decimals} decimals", field)
        if (limit.minimum is not None and number < limit.minimum) or (
            limit.maximum is not None and number > limit.maximum
        ):
            raise ApiError(
                400, 2000, f"{field} must be between {limit.minimum} and {limit.maximum}", field
            )
    return body


def _require(body: Mapping[str, Any], *fields: str, where: str = "") -> None:
    for field in fields:
        if body.get(field) is None or body.get(field) == "":
            raise _invalid(f"The {where}{field} field is required.")


def _address_defaults(body: Mapping[str, Any], customer: Mapping[str, Any]) -> dict[str, Any]:
    """Address fields an order or draft takes from its customer when it leaves them out."""
    defaults = {}
    for side in ("Invoice", "Delivery"):
        for part in ("Address1", "Address2", "PostalCode", "City", "CountryCode"):
            field = f"{side}{part}"
            if body.get(field) is None:
                value = customer.get(field)
                if value is None and side == "Delivery":
                    value = customer.get(f"Invoice{part}")
                defaults[field] = value
    if body.get("DeliveryCustomerName") is None:
        defaults["DeliveryCustomerName"] = customer.get("DeliveryCustomerName") or customer["Name"]
    return defaults


def make_sandbox(
    seed: int = 0, volume: int | None = None, *, clock: Clock = SYSTEM_CLOCK, **options: Any
) -> EAccountingSandbox:
    """A fresh eAccounting sandbox with the demo company and ``volume`` orders (36 by
    default); ``options`` as :class:`EAccountingSandbox` takes them."""
    if volume is not None:
        options["orders"] = volume
    return EAccountingSandbox(seed=seed, clock=clock, **options)
