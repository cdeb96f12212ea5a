"""An in-process emulator of the AFAS Profit REST API, with a demo environment.

What it emulates, as documented (see REFERENCE.md for the sources):

- the ``Authorization: AfasToken <base64 of the XML token>`` header: a token that is
  not base64 is answered 500, a wrong one 401;
- the customer's GetConnectors, here the recommended definitions
  (``getconnectors.json``): ``GET /ProfitRestServices/connectors/{id}`` with ``skip``
  and ``take`` (0 and 100 by default, -1/-1 for all, other negatives refused),
  ``filterfieldids``/``filtervalues``/``operatortypes`` (``,`` and, ``;`` or; the 15
  operator codes), ``orderbyfieldids`` and the 2049-character limit of the query
  (404 beyond), answered ``{"skip", "take", "rows"}``;
- the UpdateConnectors koppel writes (``KnSalesRelationOrg``/``Per``,
  ``KnPurchaseRelationOrg``/``Per``, ``FbItemArticle``, ``FbSales``,
  ``FbSalesQuotation``, ``FiEntries``):
  POST inserts, PUT updates; every body is checked against facts.BODIES (mandatory
  fields, types, lengths, allowed values, unknown fields) and then against what AFAS
  checks itself: key fields that must (not) exist, references to debtors and articles,
  balanced entries; answered ``201 {"results": {Connector: {key: value}}}``;
- ``/metainfo``, ``/metainfo/get/{id}`` and ``/metainfo/update/{id}`` (:mod:`._metainfo`);
- deletions as AFAS has them: :meth:`AfasSandbox.delete` removes a row for good, and a
  creditor's deletion shows up in the log GetConnector ``koppel_creditors_deleted``;
- AFAS's error answers ``{"externalMessage", "errorNumber", "profitLogReference"}``
  (500 for what it cannot validate).

``rows_answered`` counts the rows each GetConnector answered, next to the toolkit's
call counts; the collections ``FbSalesLines``, ``FbSalesQuotationLines`` and
``FiEntries`` keep the lines of the sales orders, quotations and entries written. Use
``make_sandbox(seed)`` (the connector's ``sandbox``) and
``sandbox.transport()``; :data:`TOKEN` is the token it accepts.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import attrs
import httpx

from koppel.http import SYSTEM_CLOCK, Clock
from koppel.sandbox import Sandbox, SandboxRequest, Violation, json_response
from koppel_afas import _metainfo as metainfo
from koppel_afas._query import QueryError, apply_filters, sort_rows, window
from koppel_afas.client import SYSTEM
from koppel_afas.definitions import definitions
from koppel_afas.demo import afas_text, demo_rows, make_commitments
from koppel_afas.facts import ACCOUNT_KINDS, API, BODIES, KEYS, MAX_QUERY_LENGTH

__all__ = ["PARTICIPANT", "TOKEN", "AfasSandbox", "make_sandbox"]

PARTICIPANT = "12345"
_TOKEN_DATA = "KOPPELSANDBOX0123456789ABCDEF"
#: The user token the sandbox accepts (its data part is not a real token).
TOKEN = f"<token><version>1</version><data>{_TOKEN_DATA}</data></token>"
_ROOT = "/ProfitRestServices"
_TOKEN = re.compile(r"^<token><version>1</version><data>([^<]+)</data></token>$")
#: AFAS's usual error number for a refused UpdateConnector call (troubleshooting.md).
_ERROR_NUMBER = -2147220469
#: The GetConnector role of what ``AcNr`` names on a FiEntries line (facts.ACCOUNT_KINDS).
_ACCOUNT_ROLES = {"debtor": "debtors", "creditor": "creditors"}
#: Sales documents: UpdateConnector -> (GetConnector role, its key, its date field, the
#: first number AFAS gives).
_DOCUMENTS = {
    "FbSales": ("salesorders", "OrderNumber", "OrderDate", 2024000001),
    "FbSalesQuotation": ("salesquotations", "QuotationNumber", "QuotationDate", 50000001),
}
_RELATIONS = {
    "KnSalesRelationOrg": "debtors",
    "KnSalesRelationPer": "debtors",
    "KnPurchaseRelationOrg": "creditors",
    "KnPurchaseRelationPer": "creditors",
}


class AfasError(Exception):
    """An AFAS error answer raised inside a handler."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> httpx.Response:
    """AFAS's error body: the message, an error number and a log-book reference."""
    body = {
        "externalMessage": message,
        "errorNumber": _ERROR_NUMBER,
        "profitLogReference": uuid.uuid4().hex.upper(),
    }
    return json_response(body, status)


def _fields(body: Mapping[str, Any], name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    element = body[name]["Element"]
    return element, dict(element.get("Fields") or {})


def _child(element: Mapping[str, Any], name: str) -> Any:
    for item in element.get("Objects") or ():
        if name in item:
            return item[name]["Element"]
    return None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


class AfasSandbox(Sandbox):
    """The AFAS Profit emulator; ``store`` holds each GetConnector's rows by its id.

    :param seed: seeds the generated commitments.
    :param clock: time for modification dates.
    :param commitments: how many commitments to generate.
    """

    def __init__(
        self, *, seed: int = 0, clock: Clock = SYSTEM_CLOCK, commitments: int = 36
    ) -> None:
        super().__init__(
            SYSTEM,
            base_url=f"https://{PARTICIPANT}.rest.afas.online",
            clock=clock,
            authenticate=self._authenticate,
            credentials={"token": TOKEN},
        )
        #: Rows answered per GetConnector id.
        self.rows_answered: Counter[str] = Counter()
        self.connectors = {d.id: d for d in definitions().values()}
        self._ids = {d.role: d.id for d in definitions().values()}
        rows = {**demo_rows(), "commitments": make_commitments(commitments, seed=seed)}
        for role, definition in definitions().items():
            self.store.seed(definition.id, rows.get(role, []), id_field=definition.key)
        self.store.collection("FbSalesLines")
        self.store.collection("FbSalesQuotationLines")
        self.store.collection("FiEntries")
        self._routes_for_api()

    # -- what AFAS answers itself -----------------------------------------------------

    def _authenticate(self, request: SandboxRequest) -> httpx.Response | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme != "AfasToken" or not value:
            return error_response(401, "Authorization has been denied for this request.")
        try:
            token = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return error_response(500, "The token is not Base64-encoded.")
        found = _TOKEN.match(token.strip())
        if found is None or found.group(1) != _TOKEN_DATA:
            return error_response(401, "Authorization has been denied for this request.")
        return None

    def error_response(self, status: int, message: str) -> httpx.Response:
        """AFAS's error body for the toolkit's own errors (no route, faults)."""
        return error_response(status, message)

    def contract_refused(self, violations: Sequence[Violation]) -> httpx.Response:
        """AFAS's answer to a body it cannot validate: 500 with one message naming
        every broken field (troubleshooting.md: content errors are 500)."""
        return error_response(500, "; ".join(f"{v.path}: {v.message}" for v in violations))

    def connection_settings(self, url: str) -> dict[str, Any]:
        """``base_url`` and ``participant`` of a connection to this sandbox served on ``url``."""
        return {"base_url": f"{url}{_ROOT}", "participant": PARTICIPANT}

    def now_text(self) -> str:
        """The sandbox's current time as AFAS writes it."""
        return afas_text(datetime.fromtimestamp(self.clock.now(), UTC))

    def define(self, connector_id: str, role: str, renames: Mapping[str, str]) -> None:
        """Add a customer's own GetConnector ``connector_id`` for ``role``: the recommended
        definition with the fields in ``renames`` (recommended id -> own id) renamed,
        answering a copy of the rows it holds now (for reads; writes reach the recommended
        one only)."""
        recommended = definitions()[role]
        fields = tuple(attrs.evolve(f, id=renames.get(f.id, f.id)) for f in recommended.fields)
        self.connectors[connector_id] = attrs.evolve(
            recommended,
            id=connector_id,
            key=renames.get(recommended.key, recommended.key),
            fields=fields,
        )
        own = self.store.collection(
            connector_id, id_field=renames.get(recommended.key, recommended.key)
        )
        for row in self.store[recommended.id].all():
            own.insert({renames.get(k, k): v for k, v in row.items()})

    def change(self, role: str, key: str, **fields: Any) -> dict[str, Any]:
        """Change the row ``key`` of ``role``'s GetConnector as a Profit user would: the
        fields given, and its ModifiedDate now."""
        changed = self.store[self._ids[role]].update(
            key, {**fields, "ModifiedDate": self.now_text()}
        )
        if changed is None:
            raise KeyError(f"{role} has no row {key}")
        return changed

    def delete(self, role: str, key: str) -> None:
        """Delete the row ``key`` of ``role``'s GetConnector as a Profit administrator
        would: it is gone (AFAS deletes hard); a creditor's deletion is logged in the log
        GetConnector of *Inkooprelatie* (``creditors_deleted``) with the time it happened."""
        if not self.store[self._ids[role]].delete(key):
            raise KeyError(f"{role} has no row {key}")
        if role == "creditors":
            now = self.now_text()
            self.store[self._ids["creditors_deleted"]].put(
                f"{key}@{now}", {"CreditorId": key, "ModifiedDate": now}
            )

    # -- routes -------------------------------------------------------------------------

    def _answer(self, handler: Callable[[SandboxRequest], Any]) -> Callable[[SandboxRequest], Any]:
        def answer(request: SandboxRequest) -> Any:
            try:
                return handler(request)
            except (AfasError, QueryError) as exc:
                status = exc.status if isinstance(exc, AfasError) else 500
                return error_response(status, str(exc))

        return answer

    def _routes_for_api(self) -> None:
        for method, pattern, handler in (
            ("GET", "/connectors/{id}", self._get_rows),
            ("POST", "/connectors/{id}", self._insert),
            ("PUT", "/connectors/{id}", self._update),
            ("GET", "/metainfo", self._metainfo),
            ("GET", "/metainfo/get/{id}", self._metainfo_get),
            ("GET", "/metainfo/update/{id}", self._metainfo_update),
        ):
            path = _ROOT + pattern
            self.add_route(method, path, self._answer(handler), contract=API.get(method, path))

    def _get_rows(self, request: SandboxRequest) -> Any:
        connector = request.path_params["id"]
        definition = self.connectors.get(connector)
        if definition is None:
            raise AfasError(
                500, "GetConnector not supported for this app or the user is not authorized"
            )
        if len("?" + urlencode(request.params)) > MAX_QUERY_LENGTH:
            raise AfasError(404, "Not Found")
        span = window(request.params)
        rows = apply_filters(definition, self.store[connector].all(), request.params)
        rows = span.of(sort_rows(definition, rows, request.params.get("orderbyfieldids")))
        answer = [{f.id: row.get(f.id) for f in definition.fields} for row in rows]
        with self._lock:
            self.rows_answered[connector] += len(answer)
        return {"skip": span.skip, "take": span.take, "rows": answer}

    def _metainfo(self, request: SandboxRequest) -> Any:
        return metainfo.listing(self.connectors.values(), envid=f"O{PARTICIPANT}AA")

    def _metainfo_get(self, request: SandboxRequest) -> Any:
        definition = self.connectors.get(request.path_params["id"])
        if definition is None:
            raise AfasError(
                500, "GetConnector not supported for this app or the user is not authorized"
            )
        return metainfo.get_connector(definition)

    def _metainfo_update(self, request: SandboxRequest) -> Any:
        described = metainfo.update_connector(request.path_params["id"])
        if described is None:
            raise AfasError(
                500, "UpdateConnector not supported for this app or the user is not authorized"
            )
        return described

    # -- UpdateConnectors ---------------------------------------------------------------

    def _body(self, request: SandboxRequest) -> tuple[str, dict[str, Any]]:
        name = request.path_params["id"]
        contract = BODIES.get((name, request.method))
        if contract is None:
            raise AfasError(500, f"UpdateConnector {name} does not take {request.method}")
        body = self.enforce_value(
            contract, request.json, endpoint=f"{request.method} {request.path}"
        )
        return name, body

    def _insert(self, request: SandboxRequest) -> Any:
        name, body = self._body(request)
        if name in _RELATIONS:
            return 201, {"results": {name: self._save_relation(name, body, insert=True)}}
        if name == "FbItemArticle":
            return 201, {"results": {name: self._save_article(body, insert=True)}}
        if name in _DOCUMENTS:
            return 201, {"results": {name: self._insert_order(name, body)}}
        return 201, {"results": {name: self._insert_entry(body)}}

    def _update(self, request: SandboxRequest) -> Any:
        name, body = self._body(request)
        if name in _RELATIONS:
            return 201, {"results": {name: self._save_relation(name, body, insert=False)}}
        return 201, {"results": {name: self._save_article(body, insert=False)}}

    def _next(self, collection: str, field: str, start: int) -> str:
        numbers = [
            int(v) for r in self.store[collection].all() if str(v := r.get(field) or "").isdigit()
        ]
        return str(max(numbers, default=start - 1) + 1)

    def _save_relation(self, name: str, body: Mapping[str, Any], *, insert: bool) -> dict[str, Any]:
        role, key = _RELATIONS[name], KEYS[name]
        collection = self._ids[role]
        element, fields = _fields(body, name)
        person = name.endswith("Per")
        number = _text(fields.get(key) or element.get(f"@{key}"))
        existing = self.store[collection].get(number) if number else None
        what = "Debtor" if role == "debtors" else "Creditor"
        if insert and existing is not None:
            raise AfasError(500, f"{what} '{number}' already exists.")
        if not insert and existing is None:
            raise AfasError(500, f"The entered value for '{what}' does not exist.")
        party = _child(element, "KnPerson" if person else "KnOrganisation") or {}
        party_fields = dict(party.get("Fields") or {})
        code = self._party_code(party_fields, existing)
        address = dict((_child(party, "KnBasicAddressAdr") or {}).get("Fields") or {})
        first, last = party_fields.get("FiNm"), party_fields.get("LaNm")
        changes = {
            "OrgPersonCode": code,
            "IsPerson": person,
            "Name": party_fields.get("Nm") or (" ".join(p for p in (first, last) if p) or None),
            "FirstName": first,
            "LastName": last,
            "Email": party_fields.get("EmAd"),
            "Phone": party_fields.get("TeNr"),
            "VatNumber": fields.get("VaId"),
            "Iban": fields.get("Iban"),
            "Street": address.get("Ad"),
            "HouseNumber": address.get("HmNr"),
            "HouseNumberAddition": address.get("HmAd"),
            "PostalCode": address.get("ZpCd"),
            "City": address.get("Rs"),
            "Country": address.get("CoId"),
            "Currency": fields.get("CuId"),
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        changes["ModifiedDate"] = self.now_text()
        if existing is not None:
            self.store[collection].update(str(number), changes)
        else:
            number = number or self._next(
                collection, key_field(role), 10001 if role == "debtors" else 20001
            )
            self.store[collection].insert({key_field(role): number, "Blocked": False, **changes})
        return {key: number, "BcCo": code}

    def _party_code(self, fields: Mapping[str, Any], existing: Mapping[str, Any] | None) -> str:
        """The organisation/person's number (BcCo): given, kept, or the next free one."""
        if fields.get("AutoNum") is False and not fields.get("BcCo"):
            raise AfasError(500, "Field 'Number' (BcCo) is mandatory when AutoNum is off.")
        if fields.get("BcCo"):
            return str(fields["BcCo"])
        if existing is not None and existing.get("OrgPersonCode"):
            return str(existing["OrgPersonCode"])
        codes = [
            int(r["OrgPersonCode"])
            for role in ("debtors", "creditors")
            for r in self.store[self._ids[role]].all()
            if str(r.get("OrgPersonCode") or "").isdigit()
        ]
        return str(max(codes, default=1000) + 1)

    def _save_article(self, body: Mapping[str, Any], *, insert: bool) -> dict[str, Any]:
        element, fields = _fields(body, "FbItemArticle")
        code = _text(fields.get("ItCd") or element.get("@ItCd"))
        collection = self.store[self._ids["articles"]]
        if code is None:
            raise AfasError(500, "Field 'Itemcode' (ItCd) is mandatory.")
        existing = collection.get(code)
        if insert and existing is not None:
            raise AfasError(500, f"Item code '{code}' already exists.")
        if not insert and existing is None:
            raise AfasError(500, "The entered value for 'Itemcode' does not exist.")
        changes = {
            "Description": fields.get("Ds"),
            "ExtraDescription": fields.get("DsEx"),
            "Barcode": fields.get("BaCo"),
            "Unit": fields.get("BiUn"),
            "ArticleGroup": fields.get("Grp"),
            "SalesPrice": fields.get("SaPrice"),
            "Blocked": fields.get("Bl"),
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        changes["ModifiedDate"] = self.now_text()
        if existing is None:
            collection.insert({"ItemCode": code, "Blocked": False, **changes})
        else:
            collection.update(code, changes)
        return {"ItCd": code}

    def _insert_order(self, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        role, key, date_field, first = _DOCUMENTS[name]
        element, fields = _fields(body, name)
        debtor = str(fields["DbId"])
        if self.store[self._ids["debtors"]].get(debtor) is None:
            raise AfasError(500, "The entered value for 'Sales contact' does not exist.")
        lines = _child(element, f"{name}Lines") or []
        articles = self.store[self._ids["articles"]]
        for line in lines:
            line_fields = line["Fields"]
            if line_fields.get("VaIt") == "2" and articles.get(str(line_fields["ItCd"])) is None:
                raise AfasError(500, "The entered value for 'Itemcode' does not exist.")
        collection = self._ids[role]
        number = self._next(collection, key, first)
        date_text = _text(fields.get("OrDa")) or self.now_text()[:10]
        self.store[collection].insert(
            {
                key: number,
                "Reference": fields.get("RfCs"),
                "DebtorId": debtor,
                date_field: f"{date_text[:10]}T00:00:00Z",
                "Currency": fields.get("CuId") or "EUR",
                "ModifiedDate": self.now_text(),
            }
        )
        for line in lines:
            self.store[f"{name}Lines"].insert({"OrNu": number, **line["Fields"]})
        return {"OrNu": number}

    def _insert_entry(self, body: Mapping[str, Any]) -> dict[str, Any]:
        element, fields = _fields(body, "FiEntryPar")
        lines = [line["Fields"] for line in _child(element, "FiEntries") or []]
        debit = sum((Decimal(str(line.get("AmDe") or 0)) for line in lines), Decimal(0))
        credit = sum((Decimal(str(line.get("AmCr") or 0)) for line in lines), Decimal(0))
        if not lines or debit != credit:
            raise AfasError(500, f"The entry is not balanced: debit {debit}, credit {credit}.")
        for line in lines:  # VaAs 2: AcNr is a debtor, 3: a creditor (FiEntries' schema)
            role = _ACCOUNT_ROLES.get(ACCOUNT_KINDS.get(str(line.get("VaAs")), ""))
            if role and self.store[self._ids[role]].get(str(line.get("AcNr") or "")) is None:
                raise AfasError(500, "The entered value for 'Account number' does not exist.")
        collection = self._ids["journal_entries"]
        number = self._next(collection, "EntryNumber", 1)
        administration = fields.get("UnId") or 1
        self.store[collection].insert(
            {
                "EntryNumber": int(number),
                "Administration": administration,
                "Year": fields["Year"],
                "Period": fields["Peri"],
                "Journal": fields["JoCo"],
                "VoucherNumber": lines[0].get("BpNr"),
                "EntryDate": f"{lines[0]['EnDa']}T00:00:00Z",
                "ModifiedDate": self.now_text(),
            }
        )
        for line in lines:
            self.store["FiEntries"].insert({"EnNo": number, **line})
        return {"EnNo": number, "UnId": str(administration)}


def key_field(role: str) -> str:
    """The key field of ``role``'s recommended GetConnector."""
    return definitions()[role].key


def make_sandbox(seed: int = 0, volume: int | None = None, **options: Any) -> AfasSandbox:
    """A fresh AFAS sandbox; ``volume`` commitments (36 by default). ``options`` go to
    :class:`AfasSandbox` (``clock``)."""
    return AfasSandbox(seed=seed, commitments=volume if volume is not None else 36, **options)
