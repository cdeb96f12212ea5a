"""An emulator of AccountView.net (v3) with a demo administration ``DEMO``.

It answers the documented URL patterns under ``/api/v3``: the OAuth2 token
endpoint (single-use refresh tokens), ``Companies``, and ``accountviewdata``
for reads (business object, fields, filters, sort, page size and number, short
last page), creates (POST: a table definition with positional values; a key that
exists is refused) and debtor updates (PUT: the same envelope with the row's key
as ``id``). Refusals come
as ``{"ErrorType": "AccountViewError", "ErrorNumbers": [...], "ErrorMessage": ...}``
with status 400, as the public clients expect. Tables and field names come from
:mod:`koppel_accountview.schema`, so the sandbox refuses the fields the client
would not know either.

Debtors (AR1) and creditors (AP1) are rows of one table, CONTACT, under one number
(``SUB_NR``): a number used by either is refused to the other, and each business
object reads, and updates, its own side only. A journal line on a collective account
(*verzamelrekening*: ``collective_accounts`` in the demo data, 1210 debtors and 1600
creditors) must name a relation of that side in ``SUB_NR``, and any ``SUB_NR`` on a
page must exist. :attr:`AccountViewSandbox.reads` and ``writes`` count the calls per
business object.

Demo data: articles AV-1001 ... AV-1012 (group ``WEBSHOP``, with stock,
sales reservations and item attributes), the cost articles ``VERZEND`` and
``TOESLAG`` (group ``KOSTEN``), one debtor, journals ``VK``, ``MEM`` and ``IK``; with
a volume, generated web-shop articles AV-1013 onwards; with ``debtors``, generated
debtors 30000 onwards; with ``creditors``, two creditors (70001, 70002); with
``shared_email``, two debtors sharing one e-mail address (the plugin's tests seed
them).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

import httpx

from koppel.http import SYSTEM_CLOCK, Clock
from koppel.records import to_datetime
from koppel.sandbox import OAuthEmulator, Sandbox, SandboxRequest, Violation, json_response
from koppel_accountview import facts, schema
from koppel_accountview.demo import DEMO_ARTICLES, make_articles, make_debtors
from koppel_accountview.schema import Table
from koppel_accountview.wire import format_datetime, read_write

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "COMPANY", "AccountViewSandbox", "make_sandbox"]

#: The demo administration's company code and the sandbox app's credentials.
COMPANY = "DEMO"
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
_PREFIX = "/api/v3"
#: Where the sandbox keeps which side of the ledger a CONTACT row is on (AR1 or AP1);
#: never answered, as AccountView's own marker is not known.
_SIDE = "_LEDGER"


def _error(message: str, number: int = 1, status: int = 400) -> httpx.Response:
    body = {"ErrorType": "AccountViewError", "ErrorNumbers": [number], "ErrorMessage": message}
    return json_response(body, status)


class _Refused(Exception):
    def __init__(self, message: str, number: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.number = number


def _demo_data() -> dict[str, Any]:
    text = (resources.files("koppel_accountview") / "demo.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _number(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def _literal_datetime(value: str) -> datetime:
    text = value.strip()
    if text.startswith("{^") and text.endswith("}"):
        text = text[2:-1]
    return to_datetime(text.replace(" ", "T"))


#: What AccountView answers for a field without a value, by type letter: empty text and
#: dates as "", false, numbers as 0 (S1's recorded answers: ``CNG_DATE: ""``, ``CNG_NR: 0``).
_EMPTY: dict[str, Any] = {"C": "", "M": "", "T": "", "D": "", "L": False}


def _answer(table: Table, row: Mapping[str, Any], wanted: set[str] | None) -> dict[str, Any]:
    """A stored row as AccountView answers it: every field asked for (all of the table's
    when none), empty ones as :data:`_EMPTY`, date-times without a zone
    (``2024-05-01T09:00:00``, the form S1's client parses)."""
    answer: dict[str, Any] = {}
    for name, field in table.fields.items():
        if wanted is not None and name not in wanted:
            continue
        value = row.get(name)
        if value is None or value == "":
            value = _EMPTY.get(field.type, 0)
        elif field.type == "T":
            value = to_datetime(value).strftime("%Y-%m-%dT%H:%M:%S")
        answer[name] = value
    return answer


class AccountViewSandbox(Sandbox):
    """The emulated API; :attr:`store` holds one collection per table, keyed by its key.

    :param articles: web-shop articles in all; beyond the 12 demo ones, generated
        from ``seed`` (:mod:`koppel_accountview.demo`).
    :param shared_email: also seed two debtors (10002, 10003) that share one e-mail
        address, as real administrations have (a shared mailbox of two branches).
    :param debtors: generated debtors beyond the demo's (30000 onwards).
    :param creditors: also seed two creditors (70001, 70002; AP1).
    """

    def __init__(
        self,
        *,
        clock: Clock = SYSTEM_CLOCK,
        seed: int = 0,
        articles: int | None = None,
        shared_email: bool = False,
        debtors: int = 0,
        creditors: bool = False,
    ) -> None:
        super().__init__(
            "accountview",
            base_url=schema.API_BASE,
            clock=clock,
            oauth=OAuthEmulator(
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                access_ttl=3600,
                authorize_path=f"{_PREFIX}/authorize",
                token_path=f"{_PREFIX}/{schema.TOKEN_PATH}",
            ),
        )
        self.seed = seed
        data = _demo_data()
        self.companies: list[dict[str, Any]] = data["companies"]
        self.journals: set[str] = set(data["journals"])
        #: Collective accounts (*verzamelrekeningen*) and the side whose relations they take.
        self.collective: dict[str, str] = dict(data["collective_accounts"])
        #: Reads and writes by business object.
        self.reads: Counter[str] = Counter()
        self.writes: Counter[str] = Counter()
        for table in schema.TABLES.values():
            self.store.collection(table.name, id_field=table.key)
            if table.detail is not None:
                self.store.collection(table.detail.name, id_field="LINE_ID")
        self.store.seed("ARTICLE", data["ARTICLE"], id_field="ART_CODE")
        extra = max((articles or 0) - DEMO_ARTICLES, 0)
        self.store.seed("ARTICLE", make_articles(extra, seed=seed), id_field="ART_CODE")
        debtor_rows = [*data["CONTACT"], *make_debtors(debtors)]
        if shared_email:
            debtor_rows.extend(data["CONTACT_SHARED_EMAIL"])
        self.store.seed("CONTACT", [{**r, _SIDE: "AR1"} for r in debtor_rows], id_field="SUB_NR")
        if creditors:
            rows = [{**r, _SIDE: "AP1"} for r in data["CREDITORS"]]
            self.store.seed("CONTACT", rows, id_field="SUB_NR")
        self._keys = {
            "SO_HDR": itertools.count(20240001),
            "DJ_PAGE": itertools.count(1),
            "DEL_ADDR": itertools.count(1),
            "lines": itertools.count(1),
        }
        for method, path, handler in (
            ("GET", f"{_PREFIX}/{schema.COMPANIES_PATH}", self._companies),
            ("GET", f"{_PREFIX}/{schema.DATA_PATH}", self._read),
            ("POST", f"{_PREFIX}/{schema.DATA_PATH}", self._create),
            ("PUT", f"{_PREFIX}/{schema.DATA_PATH}", self._update),
        ):
            self.add_route(method, path, handler, contract=facts.API.get(method, path))

    # -- serving -------------------------------------------------------------

    def error_response(self, status: int, message: str) -> httpx.Response:
        """AccountView's error body for the toolkit's own errors (no route, faults)."""
        return _error(message, 1, status)

    def contract_refused(self, violations: Sequence[Violation]) -> httpx.Response:
        """AccountView's error body naming each field a row breaks (status 400: assumed,
        no source shows a refusal's status)."""
        message = "; ".join(v.message for v in violations)
        return _error(f"Ongeldige gegevens: {message}", 34)

    def rate_limited(self, headers: Mapping[str, str]) -> httpx.Response:
        """A 429 in AccountView's error shape with ``Retry-After`` (only a 429 fault: no
        rate limit is documented, so none is applied)."""
        response = _error("Te veel verzoeken; probeer het later opnieuw", 1, 429)
        response.headers.update(headers)
        return response

    def connection_settings(self, url: str) -> dict[str, Any]:
        """``base_url`` and ``authorize_url`` of a connection to this sandbox served on ``url``."""
        return {"base_url": f"{url}{_PREFIX}", "authorize_url": f"{url}{_PREFIX}/authorize"}

    # -- helpers -------------------------------------------------------------

    def now(self) -> str:
        """The sandbox clock's time as AccountView writes it."""
        return format_datetime(datetime.fromtimestamp(self.clock.now(), UTC))

    def lines_of(self, table: str, key: str) -> list[dict[str, Any]]:
        """Detail rows (``SO_LINE`` / ``DJ_LINE``) of the header row ``key``."""
        return [row for row in self.store[table].all() if row.get("HEADER_KEY") == key]

    def _company(self, request: SandboxRequest) -> None:
        company = request.headers.get(schema.COMPANY_HEADER)
        if not company:
            raise _Refused(f"De header {schema.COMPANY_HEADER} ontbreekt", 10)
        if company not in {c["Id"] for c in self.companies}:
            raise _Refused(f"Onbekende onderneming {company!r}", 11)

    def relation(self, number: Any, side: str | None = None) -> dict[str, Any] | None:
        """The CONTACT row numbered ``number`` (of side ``side``, AR1 or AP1, when given)."""
        row = self.store["CONTACT"].get(str(number or "").strip())
        if row is None or (side is not None and row.get(_SIDE, "AR1") != side):
            return None
        return row

    def _rows(self, table: Table) -> list[dict[str, Any]]:
        rows = self.store[table.name].all()
        if table.name == "CONTACT":
            side = table.business_object
            return [row for row in rows if row.get(_SIDE, "AR1") == side]
        return rows

    @staticmethod
    def _table(code: str | None) -> Table:
        table = schema.TABLES.get((code or "").upper())
        if table is None:
            raise _Refused(f"Onbekend business object {code!r}", 20)
        return table

    # -- routes --------------------------------------------------------------

    def _companies(self, request: SandboxRequest) -> Any:
        return [facts.COMPANY.shape(company, nulls=True) for company in self.companies]

    def _read(self, request: SandboxRequest) -> httpx.Response:
        try:
            self._company(request)
            params = {k.lower(): v for k, v in request.params.items()}
            table = self._table(params.get("businessobject"))
            self.reads[table.business_object] += 1
            rows = self._rows(table)
            n = 1
            while f"filtercontrolsource{n}" in params:
                rows = self._filter(table, rows, params, n)
                n += 1
            sort = params.get("sortfields")
            if sort:
                field = sort.upper()
                self._known(table, field)
                descending = params.get("sortorder", "").lower() == "descending"
                rows.sort(key=lambda row: str(row.get(field) or ""), reverse=descending)
            size = int(params.get("pagesize", "100"))
            page = int(params.get("pagenumber", "1"))
            if size < 1 or page < 1:
                raise _Refused("PageSize en PageNumber moeten positief zijn", 21)
            rows = rows[(page - 1) * size : page * size]
            wanted = self._fields(table, params.get("fields"))
            rows = [_answer(table, row, wanted) for row in rows]
        except _Refused as refused:
            return _error(refused.message, refused.number)
        except ValueError as exc:
            return _error(f"Ongeldige parameter: {exc}", 22)
        return json_response({table.name: rows})

    def _known(self, table: Table, field: str) -> None:
        if field not in table.fields:
            raise _Refused(f"Veld {field} bestaat niet in tabel {table.name}", 23)

    def _fields(self, table: Table, text: str | None) -> set[str] | None:
        if not text or text.strip() == "*":
            return None
        wanted = set()
        for item in text.split(","):
            name = item.strip().rpartition(".")[2].upper()
            self._known(table, name)
            wanted.add(name)
        return wanted

    def _filter(
        self, table: Table, rows: list[dict[str, Any]], params: Mapping[str, str], n: int
    ) -> list[dict[str, Any]]:
        field = params[f"filtercontrolsource{n}"].upper()
        self._known(table, field)
        operator = params.get(f"filteroperator{n}", "Equal").lower()
        raw = params.get(f"filtervalue{n}", "")
        many = params.get(f"filterislistofvalues{n}", "false").lower() == "true"
        values = [v.strip() for v in raw.split(",")] if many else [raw]
        if operator == "equal":
            return [row for row in rows if str(row.get(field) or "") in values]
        if operator == "contains":
            return [row for row in rows if raw.lower() in str(row.get(field) or "").lower()]
        if operator == "dateonorafterdate":
            since = _literal_datetime(raw)
            return [row for row in rows if row.get(field) and to_datetime(row[field]) >= since]
        raise _Refused(f"Onbekende FilterOperator {params[f'filteroperator{n}']!r}", 24)

    def _create(self, request: SandboxRequest) -> httpx.Response:
        return self._write(request, update=False)

    def _update(self, request: SandboxRequest) -> httpx.Response:
        return self._write(request, update=True)

    def _write(self, request: SandboxRequest, *, update: bool) -> httpx.Response:
        """A create (POST) or an update (PUT, the envelope with the row's key as ``id``)."""
        try:
            self._company(request)
            try:
                code, name, headers, detail_name, lines = read_write(request.json)
            except ValueError as exc:
                raise _Refused(f"Ongeldige opdracht: {exc}", 30) from exc
            table = self._table(code)
            self.writes[table.business_object] += 1
            if name.upper() != table.name or len(headers) != 1:
                raise _Refused(f"{code} schrijft precies één rij in tabel {table.name}", 31)
            if update:
                self._updated_key(table, request.json, headers[0])
            self._enforce(table, headers[0], table.name, update=update)
            rows = []
            if detail_name is not None:
                if table.detail is None or detail_name.upper() != table.detail.name:
                    raise _Refused(f"{code} heeft geen detailtabel {detail_name}", 32)
                for index, line in enumerate(lines):
                    path = f"{table.detail.name}[{index}]"
                    self._enforce(table.detail, line, path, update=update)
                rows = [self._row(table.detail, line, detail=True) for line in lines]
            header = self._row(table, headers[0])
            stored = self._store(table, header, rows, update=update)
        except _Refused as refused:
            return _error(refused.message, refused.number)
        return json_response({table.name: [stored]})

    def _updated_key(self, table: Table, body: Any, header: Mapping[str, Any]) -> None:
        """Check an update: a business object that takes one, an ``id`` naming an existing
        row, and a key in the row (when sent) equal to it."""
        if table.business_object not in schema.UPDATABLE:
            raise _Refused(f"PUT is niet beschikbaar voor {table.business_object}", 35)
        key = body.get(schema.UPDATE_ID) if isinstance(body, Mapping) else None
        if not isinstance(key, str) or not key.strip():
            raise _Refused(f"Een wijziging (PUT) noemt de sleutel in {schema.UPDATE_ID!r}", 36)
        if self.store[table.name].get(key) is None or (
            table.name == "CONTACT" and self.relation(key, table.business_object) is None
        ):
            raise _Refused(f"{table.name} {key} bestaat niet in {table.business_object}", 37)
        sent = header.get(table.key)
        if sent is not None and str(sent) != key:
            raise _Refused(f"{table.key} {sent} is niet de sleutel {key} van de wijziging", 38)

    def _enforce(self, table: Table, row: Mapping[str, Any], path: str, *, update: bool) -> None:
        """Check a decoded row against its table's facts (:mod:`koppel_accountview.facts`);
        an update sends only what changes."""
        contract = facts.ROWS.get(table.name)
        if contract is None:
            return
        values = {k.upper(): v for k, v in row.items() if k not in ("RowId", "HeaderId")}
        method = "PUT" if update else "POST"
        self.enforce_value(
            contract.partial() if update else contract,
            values,
            path=path,
            endpoint=f"{method} {_PREFIX}/{schema.DATA_PATH}",
        )

    def _row(self, table: Table, row: Mapping[str, Any], *, detail: bool = False) -> dict[str, Any]:
        if "RowId" not in row or (detail and "HeaderId" not in row):
            raise _Refused(f"Rij in {table.name} zonder RowId/HeaderId", 33)
        clean = {}
        for name, value in row.items():
            if name in ("RowId", "HeaderId"):
                continue
            self._known(table, name.upper())
            clean[name.upper()] = value
        return clean

    def _store(
        self, table: Table, header: dict[str, Any], lines: list[dict[str, Any]], *, update: bool
    ) -> dict[str, Any]:
        if table.name == "CONTACT":
            return self._relation(table, header, update=update)
        if table is schema.ARTICLES:
            return self._article(header)
        if table is schema.DELIVERY_ADDRESSES:
            if not self.store["CONTACT"].get(str(header.get("SUB_NR"))):
                raise _Refused(f"Debiteur {header.get('SUB_NR')} bestaat niet", 40)
            header["REC_ID"] = str(next(self._keys["DEL_ADDR"]))
            return self.store["DEL_ADDR"].insert(header)
        if table is schema.SALES_ORDERS:
            return self._order(header, lines)
        return self._journal(header, lines)

    def _relation(self, table: Table, header: dict[str, Any], *, update: bool) -> dict[str, Any]:
        """Create a debtor (AR1) or creditor (AP1): POST, its number new to both sides;
        or change one of the business object's own side (PUT)."""
        number = str(header.get("SUB_NR") or "").strip()
        if not number:
            raise _Refused("SUB_NR (debiteur-/crediteurnummer) is verplicht", 41)
        header["CNG_DATE"] = self.now()
        contacts = self.store["CONTACT"]
        if update:
            stored = contacts.update(number, header) or {}
            return {k: v for k, v in stored.items() if k != _SIDE}
        existing = contacts.get(number)
        if existing is not None:
            side = "debiteur" if existing.get(_SIDE, "AR1") == "AR1" else "crediteur"
            raise _Refused(f"Relatie {number} bestaat al als {side}; wijzig hem met PUT", 44)
        if not header.get("ACCT_NAME"):
            raise _Refused("ACCT_NAME (naam) is verplicht", 42)
        default = schema.DEFAULT_DEBTOR_ACCOUNT if table is schema.DEBTORS else None
        header.setdefault("ACCT_NR", default or schema.DEFAULT_CREDITOR_ACCOUNT)
        stored = contacts.insert({**header, _SIDE: table.business_object})
        return {k: v for k, v in stored.items() if k != _SIDE}

    def _article(self, header: dict[str, Any]) -> dict[str, Any]:
        code = str(header.get("ART_CODE") or "").strip()
        if not code:
            raise _Refused("ART_CODE (artikelcode) is verplicht", 43)
        header["CNG_DATE"] = self.now()
        if self.store["ARTICLE"].get(code) is not None:
            raise _Refused(f"Artikel {code} bestaat al", 45)
        return self.store["ARTICLE"].insert(header)

    def _order(self, header: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
        for role in ("RPL_INV", "RPL_DEL"):
            debtor = header.get(role)
            if debtor is not None and self.relation(debtor, "AR1") is None:
                raise _Refused(f"Debiteur {debtor} ({role}) bestaat niet", 50)
        if header.get("RPL_INV") is None:
            raise _Refused("RPL_INV (factuurdebiteur) is verplicht", 51)
        if not lines:
            raise _Refused("Een verkooporder heeft ten minste één regel", 52)
        for line in lines:
            code = str(line.get("ART_CODE") or "")
            if self.store["ARTICLE"].get(code) is None:
                raise _Refused(f"Artikel {code!r} bestaat niet", 53)
            if _number(line.get("ORD_QTY")) <= 0:
                raise _Refused(f"Aantal van artikel {code} moet positief zijn", 54)
        delivery = header.get("DEL_CODE")
        if delivery is not None and self.store["DEL_ADDR"].get(str(delivery)) is None:
            raise _Refused(f"Afleveradres {delivery} bestaat niet", 55)
        number = str(next(self._keys["SO_HDR"]))
        header.update(ORD_NR=number, CNG_DATE=self.now())
        stored = self.store["SO_HDR"].insert(header)
        for line in lines:
            line_id = str(next(self._keys["lines"]))
            self.store["SO_LINE"].insert({**line, "LINE_ID": line_id, "HEADER_KEY": number})
        return stored

    def _journal(self, header: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
        if header.get("DJ_CODE") not in self.journals:
            raise _Refused(f"Dagboek {header.get('DJ_CODE')!r} bestaat niet", 60)
        if not lines:
            raise _Refused("Een dagboekpagina heeft ten minste één regel", 61)
        balance = sum((_number(line.get("AMOUNT")) for line in lines), Decimal(0))
        if balance != 0:
            raise _Refused(f"Dagboekpagina is niet in balans (verschil {balance})", 62)
        if header.get("SUB_NR") and self.relation(header["SUB_NR"]) is None:
            raise _Refused(f"Debiteur/crediteur {header['SUB_NR']} bestaat niet", 63)
        for index, line in enumerate(lines):
            self._journal_line_relation(index, line)
        number = str(next(self._keys["DJ_PAGE"]))
        header["PAGE_NR"] = number
        stored = self.store["DJ_PAGE"].insert(header)
        for line in lines:
            line_id = str(next(self._keys["lines"]))
            self.store["DJ_LINE"].insert({**line, "LINE_ID": line_id, "HEADER_KEY": number})
        return stored

    def _journal_line_relation(self, index: int, line: Mapping[str, Any]) -> None:
        """A line's ``SUB_NR`` must be a relation; a line on a collective account must
        name one of that account's side (AccountView keeps the open items per relation)."""
        number = str(line.get("SUB_NR") or "").strip()
        account = str(line.get("ACCT_NR") or "").strip()
        side = self.collective.get(account)
        where = f"DJ_LINE[{index}]"
        if number and self.relation(number) is None:
            raise _Refused(f"{where}: debiteur/crediteur {number} bestaat niet", 63)
        if side is None:
            return
        kind = "debiteur" if side == "AR1" else "crediteur"
        if not number:
            raise _Refused(
                f"{where}: rekening {account} is een verzamelrekening; SUB_NR ({kind}) is "
                "verplicht",
                64,
            )
        if self.relation(number, side) is None:
            raise _Refused(f"{where}: {number} is geen {kind} (verzamelrekening {account})", 65)


def make_sandbox(
    seed: int = 0,
    articles: int | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    shared_email: bool = False,
    debtors: int = 0,
    creditors: bool = False,
) -> AccountViewSandbox:
    """A fresh sandbox with the demo administration ``DEMO`` (``articles``: web-shop
    articles in all, at least the 12 demo ones; the volume ``koppel_sandbox`` asks for;
    ``shared_email``: two more debtors sharing an e-mail address; ``debtors``: generated
    debtors beyond the demo's; ``creditors``: two creditors)."""
    return AccountViewSandbox(
        clock=clock,
        seed=seed,
        articles=articles,
        shared_email=shared_email,
        debtors=debtors,
        creditors=creditors,
    )
