"""Orders (``/v2/orders``): read with their customer and articles, written as orders or
invoice drafts (see :mod:`koppel_eaccounting.documents`).

Orders are read with their ``Customer`` (the full customer record) and each row's
``Article`` (number, barcodes,
``VatRatePercent`` from its coding and ``CostKind``: ``shipping``, ``fee`` or
``discount`` when it is the connection's ``shipping_article``, ... else null), so
that mappings can reach the customer's e-mail, the EAN, the VAT rate and the costs.
The customers and articles of a page of orders are read by key in one or two calls
(:mod:`koppel_eaccounting.known`), not the whole lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import partial
from itertools import islice
from typing import Any, NamedTuple, NoReturn

from koppel.connector import Session
from koppel.errors import ConfigurationError, RejectedError, SourceRecordError
from koppel.records import OrderType
from koppel.sync import (
    Action,
    Ambiguous,
    SourceRecord,
    TargetRecord,
    WriteResult,
    one_match,
    read_each,
    read_id,
    read_moment,
)
from koppel_eaccounting.client import odata_literal
from koppel_eaccounting.documents import ORDER_TYPES, PATHS, build_document, order_kind
from koppel_eaccounting.payloads import checked, result, writable
from koppel_eaccounting.payments import Linked, paid_filter, paid_invoices
from koppel_eaccounting.resources._base import EAccountingResource
from koppel_eaccounting.settings import EAccountingSettings

__all__ = ["ORDER_STATUSES", "Orders", "status_filter"]

#: eAccounting's order statuses by the names koppel's records and flow filters use.
ORDER_STATUSES = {"draft": 1, "ongoing": 2, "shipped": 3, "invoiced": 4}
#: Order numbers looked up per request (``YourReference eq ... or ...``).
_FILTER_BATCH = 20
#: What an order or row must be; ``dict`` first, as a parsed body's are (an ABC check
#: costs several times more).
_OBJECT = (dict, Mapping)


def _not_an_object(number: int) -> NoReturn:
    raise SourceRecordError(f"Rows[{number}] is not an object", field=f"Rows[{number}]")


class _Article(NamedTuple):
    """The ``Article`` rows carry, with the article, VAT rate and codings it was built from."""

    article: dict[str, Any]
    rate: float | None
    codings: object
    extra: dict[str, Any]


def _number_rank(number: Any) -> tuple[int, int]:
    """Lowest order number first; a draft has none and keeps its place."""
    return (0, number) if isinstance(number, int) and not isinstance(number, bool) else (1, 0)


def status_filter(value: Any) -> str | None:
    """The ``$filter`` clause for order statuses given by name (or number 1-4).

    :raises ConfigurationError: naming the unknown status and the valid ones.
    """
    if value is None or value == [] or value == "":
        return None
    items = [value] if isinstance(value, str | int) else list(value)
    codes: list[int] = []
    for item in items:
        key = str(item).strip().casefold()
        if key.isdigit() and int(key) in ORDER_STATUSES.values():
            code = int(key)
        elif key in ORDER_STATUSES:
            code = ORDER_STATUSES[key]
        else:
            valid = ", ".join(ORDER_STATUSES)
            raise ConfigurationError(
                f"eAccounting has no order status {item!r}; valid: {valid} (orders carry no "
                "payment state: the filter paid = true reads paid orders, see the plugin README)",
                entity="orders",
                field="filters.status",
            )
        if code not in codes:
            codes.append(code)
    return " or ".join(f"Status eq {code}" for code in sorted(codes))


class Orders(EAccountingResource):
    """Sales orders, found by the source's order number in ``YourReference``."""

    entity = "orders"
    match_keys = {"number": "YourReference"}
    description = "sales orders; written as orders or invoice drafts"
    filters = {
        "status": "order statuses by name (draft, ongoing, shipped, invoiced) or number 1-4",
        "statuses": "the same as status (read when status is not given)",
        "paid": "true: only orders whose customer invoice is paid in full, read as their "
        "invoices change (see the plugin README)",
    }

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        #: Article id -> the ``Article`` its rows carry, and what it was built from.
        self._articles: dict[str, _Article] = {}
        #: ``CustomerId`` as the orders give it -> as :func:`read_id` reads it.
        self._customer_ids: dict[str, str] = {}

    @classmethod
    def order_types(cls, settings: EAccountingSettings | None) -> Iterable[OrderType]:
        """Orders (``/v2/orders``) and invoices (as invoice drafts)."""
        return ORDER_TYPES

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        clause = status_filter(filters.get("status", filters.get("statuses")))
        if paid_filter(filters.get("paid")):
            return self.fetch_paid(cursor, clause)
        return read_each(
            self.with_parties(
                self.client.changed_since("orders", "ModifiedUtc", cursor, filter=clause)
            ),
            lambda order: SourceRecord(
                id=read_id(order, "Id"),
                cursor=read_moment(order, "ModifiedUtc"),  # before enrich: parked as read
                data=self.enrich(order),
            ),
            id_field="Id",
        )

    def fetch_paid(self, cursor: str | None, clause: str | None) -> Iterator[SourceRecord]:
        """The orders whose invoice was paid in full, as the invoices change: the
        invoices changed since ``cursor`` (their ``ModifiedUtc`` is the cursor), then the
        orders of the paid ones, 20 a call, with the invoice that paid each as ``Invoice``.
        An order whose invoice is unpaid or partly paid is left out: it comes when its
        invoice changes again with the payment."""
        invoices = self.client.changed_since("customerinvoices", "ModifiedUtc", cursor)
        linked = paid_invoices(invoices)
        while batch := list(islice(linked, _FILTER_BATCH)):
            latest: dict[str, Linked] = {}
            for entry in batch:  # an order paid twice in the batch comes with its last invoice
                latest.pop(entry[0], None)
                latest[entry[0]] = entry
            readable = [order_id for order_id, _, error in latest.values() if error is None]
            orders = self.orders_by_id(readable, clause)
            self.want_parties(orders.values())
            for order_id, invoice, error in latest.values():
                if error is not None:
                    yield SourceRecord(id=order_id, data={"Invoice": invoice}, error=error)
                elif order_id in orders:  # else deleted, or not of the wanted status
                    read = partial(self.paid_record, invoice=invoice)
                    yield from read_each([orders[order_id]], read, id_field="Id")

    def orders_by_id(self, ids: Sequence[str], clause: str | None) -> dict[str, dict[str, Any]]:
        """The orders with these ids (and ``clause``, the status filter), in one read."""
        if not ids:
            return {}
        query = " or ".join(f"Id eq {odata_literal(uuid.UUID(i))}" for i in ids)
        if clause:
            query = f"({query}) and ({clause})"
        return {str(order.get("Id")): order for order in self.client.pages("orders", filter=query)}

    def paid_record(self, order: Mapping[str, Any], invoice: Mapping[str, Any]) -> SourceRecord:
        """``order`` as a source record; its cursor is the change time of the ``invoice``
        that paid it."""
        return SourceRecord(
            id=read_id(order, "Id"),
            cursor=read_moment(invoice, "ModifiedUtc"),  # before enrich: parked as read
            data={**self.enrich(order), "Invoice": invoice},
        )

    def with_parties(self, orders: Iterator[Any]) -> Iterator[Any]:
        """``orders``, a page at a time after the page's customers and articles are read."""
        while page := list(islice(orders, self.client.page_size)):
            self.want_parties(page)
            yield from page

    def want_parties(self, orders: Iterable[Any]) -> None:
        """Read the customers and articles of ``orders`` the run does not know yet, by key."""
        found = [order for order in orders if isinstance(order, _OBJECT)]
        self.company.want_customers([order.get("CustomerId") for order in found])
        self.company.want_articles(
            [
                row.get("ArticleId")
                for order in found
                if isinstance(rows := order.get("Rows"), list)
                for row in rows
                if isinstance(row, _OBJECT)
            ]
        )

    def enrich(self, order: Mapping[str, Any]) -> dict[str, Any]:
        """``order`` with its ``Customer`` and each row's ``Article``.

        The dicts a page's JSON gave (held by no one else) are given them in place, once
        all are found: an order that fails here is parked as it was read. Any other
        mapping is copied.
        """
        customer = self.customer_of(order) if order.get("CustomerId") else None
        lines = order.get("Rows") or []
        if not isinstance(lines, list):
            raise SourceRecordError("Rows is not a list", field="Rows")
        article_of = self.article_of
        articles = []  # every row checked and its article found before anything is changed
        for number, row in enumerate(lines):
            if not isinstance(row, _OBJECT):
                _not_an_object(number)
            articles.append(article_of(row.get("ArticleId")))
        enriched = order if type(order) is dict else dict(order)
        enriched["Customer"] = customer
        rows = enriched["Rows"] = lines if enriched is order else list(lines)  # then ours too
        for number, article in enumerate(articles):
            row = rows[number]
            if type(row) is not dict:
                rows[number] = row = dict(row)
            row["Article"] = article
        return enriched

    def article_of(self, article_id: Any) -> dict[str, Any] | None:
        """The ``Article`` of the rows on ``article_id`` (None when the run does not know
        it): built once per article and VAT rate, and shared by all those rows. Its rate
        is looked up again only when the article or the codings the run knows change."""
        key = str(article_id)
        company = self.company
        article = company.articles.by_id.get(key)
        if article is None:
            return None
        kept = self._articles.get(key)
        if kept is not None and kept.article is article and kept.codings is company.codings():
            return kept.extra
        rate = company.vat_rate_percent(article)
        if kept is None or kept.article is not article or kept.rate != rate:
            extra = {
                "Number": article.get("Number"),
                "Barcodes": article.get("Barcodes") or [],
                "VatRatePercent": rate,
                "CostKind": self.cost_articles().get(str(article.get("Number"))),
            }
        else:
            extra = kept.extra
        self._articles[key] = _Article(article, rate, company.codings(), extra)
        return extra

    def customer_of(self, order: Mapping[str, Any]) -> dict[str, Any]:
        """The order's customer; a missing one (code 3000, answered as 400 or 404) makes the
        order unreadable, naming ``CustomerId``."""
        customer_id = self._customer_id(order)
        try:
            return self.company.customer(customer_id)
        except RejectedError as exc:
            if str(exc.context.get("error_code")) != "3000":
                raise
            raise SourceRecordError(
                f"customer {customer_id} of the order does not exist", field="CustomerId"
            ) from exc

    def _customer_id(self, order: Mapping[str, Any]) -> str:
        """``read_id(order, "CustomerId")``, kept per text: orders share their customers."""
        value = order.get("CustomerId")
        if not isinstance(value, str):
            return read_id(order, "CustomerId")
        found = self._customer_ids.get(value)
        if found is None:
            found = self._customer_ids[value] = read_id(order, "CustomerId")
        return found

    def cost_articles(self) -> dict[str, str]:
        """Article number -> cost kind, from ``shipping_article``, ``fee_article`` and
        ``discount_article``: the orders have no cost fields, a cost is a row on that article
        (as :mod:`koppel_eaccounting.documents` writes it)."""
        settings = self.settings
        kinds = {
            "shipping": settings.shipping_article,
            "fee": settings.fee_article,
            "discount": settings.discount_article,
        }
        return {str(number): kind for kind, number in kinds.items() if number}

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Orders and invoice drafts whose ``YourReference`` is one of ``values``, 20 a call;
        a reference several share answers all of them, orders (lowest number first)
        before drafts."""
        wanted = list(dict.fromkeys(str(v) for v in values))
        field = self.match_keys[match_key]
        found: dict[str, list[TargetRecord]] = {}
        for start in range(0, len(wanted), _FILTER_BATCH):
            batch = wanted[start : start + _FILTER_BATCH]
            clause = " or ".join(f"{field} eq {odata_literal(v)}" for v in batch)
            for path in PATHS.values():
                records = self.client.pages(path, filter=clause)
                for record in sorted(records, key=lambda r: _number_rank(r.get("Number"))):
                    reference = str(record.get(field) or "")
                    if reference in batch:
                        target = TargetRecord(id=str(record["Id"]), data=record)
                        found.setdefault(reference, []).append(target)
        matches = {reference: one_match(targets) for reference, targets in found.items()}
        return {reference: match for reference, match in matches.items() if match is not None}

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        """Create the order or invoice draft (``_order_type``, else the ``order_type``
        setting), or replace it with the document laid over the current one."""
        target = self.target(action, target_id)
        kind = order_kind(payload, self.settings.order_type)
        body = build_document(self.company, payload, kind)
        path = PATHS[kind]
        context = {"entity": self.entity, "record": payload.get("YourReference")}
        if target is None:
            return result(self.client.post(path, checked(path, body, context), context=context))
        current = writable(self.client.get(f"{path}/{target}", context=context), path)
        body = checked(path, {**current, **body}, context)
        return result(self.client.put(f"{path}/{target}", body, context=context))

    def delete(self, target_id: str) -> None:
        """Delete the order or invoice draft ``target_id`` (``DELETE /v2/orders/{id}``, else
        ``/v2/customerinvoicedrafts/{id}``); one already gone counts as deleted.
        eAccounting deletes no shipped or invoiced order."""
        for path in PATHS.values():
            if self.remove(path, target_id):
                return
