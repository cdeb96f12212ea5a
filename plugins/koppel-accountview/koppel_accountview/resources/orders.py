"""Orders: a sales order (``SO1``) on the order's debtor, or a journal page (``DJ2``).

An order is written as AccountView's order flow needs it: the debtor is found
by e-mail address (or the default debtor is used) and created or updated,
every article must exist, and then the sales order is created. A sales
invoice or a financial mutation is a page in the sales or memorial journal,
whose debtor lines get the debtor's number.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from koppel.accounting import check_order_type_supported, check_products_exist
from koppel.connector import OutboundMap, Resource, Session
from koppel.errors import MappingRecordError, RejectedError, ValidationError
from koppel.mapping import CompiledMapping
from koppel.records import Order, OrderLine, OrderType, to_decimal
from koppel.sync import Action, Ambiguous, TargetRecord, WriteResult
from koppel_accountview.articles import ArticleIndex
from koppel_accountview.client import Filter
from koppel_accountview.debtors import DebtorIndex, order_debtor
from koppel_accountview.journal import journal_page_for_order, write_journal_page
from koppel_accountview.resources.journal_entries import (
    JournalEntries,
    record_of,
    refuse_update,
)
from koppel_accountview.schema import DELIVERY_ADDRESSES, JOURNAL_PAGES, SALES_ORDERS
from koppel_accountview.settings import AccountViewSettings
from koppel_accountview.wire import present

#: Order types AccountView takes: sales orders, and journal pages for the other two.
ORDER_TYPES = (OrderType.ORDER, OrderType.SALES_INVOICE, OrderType.FINANCIAL_MUTATION)
_JOURNAL_TYPES = {OrderType.SALES_INVOICE.value, OrderType.FINANCIAL_MUTATION.value}
_ADDRESS = ("ADDRESS1", "POST_CODE", "CITY", "CNT_CODE")
#: How long the state store keeps the business objects orders were written as.
_WRITTEN_FOR = timedelta(days=3650)


def _written_key(session: Session) -> str:
    return f"{session.settings.company}/orders-written-as"


def written_as(session: Session) -> set[str]:
    """The business objects (SO1, DJ2) koppel writes orders as in this administration,
    kept in the state store (read once a run; empty without a store)."""

    def read() -> set[str]:
        if session.connection.state is None:
            return set()
        kinds = session.remembered(_written_key(session), list, max_age=_WRITTEN_FOR)
        return {str(kind) for kind in kinds or ()}

    kinds: set[str] = session.cached("orders-written-as", read)
    return kinds


def note_written_as(session: Session, business_object: str) -> None:
    """Keep that orders are written as ``business_object``, before the first is written
    (so that a crash after the write cannot leave it unlooked for)."""
    with session.cached("orders-written-as:lock", threading.Lock):
        kinds = written_as(session)
        if business_object in kinds:
            return
        kinds.add(business_object)
        if session.connection.state is not None:
            value = sorted(kinds)
            session.remembered(
                _written_key(session), lambda: value, max_age=_WRITTEN_FOR, refresh=True
            )


class Orders(Resource):
    """Created once and never updated; found by number as a sales order or a journal page."""

    entity = "orders"
    match_keys = {"number": "ORD_REF"}
    update = False
    description = "sales orders (SO1); sales invoices and financial mutations (DJ2)"

    @classmethod
    def order_types(cls, settings: AccountViewSettings | None) -> Iterable[OrderType]:
        return ORDER_TYPES

    def map_outbound(self, request: OutboundMap) -> Mapping[str, Any] | None:
        """Sales invoices and financial mutations get their journal page too.

        The flow's mapping still makes the debtor; the page itself comes from
        :func:`koppel.accounting.journal_entry_from_order`. Everything else is
        left to the datamapper.
        """
        data = request.data
        if str(data.get("order_type")) not in _JOURNAL_TYPES:
            return None
        payload: dict[str, Any] = {}
        lookups: Mapping[str, Mapping[str, Any]] = {}
        if isinstance(request.mapping, CompiledMapping):
            payload = request.apply(record_id=data.get("id"))
            lookups = request.mapping.lookups
        payload["journal"] = journal_page_for_order(data, self.settings, lookups)
        return payload

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Sales orders by ``ORD_REF``, then journal pages by ``INV_NR``; a number several
        share is :class:`~koppel.sync.Ambiguous`, lowest order or page number first.

        Each is looked in only when koppel writes orders of its kind to this administration
        (:func:`written_as`): a sales-order flow never looks for journal pages. Before koppel
        wrote any order there, both are looked in."""
        kinds = written_as(self.session)
        found: dict[str, TargetRecord | Ambiguous] = {}
        if not kinds or SALES_ORDERS.business_object in kinds:
            found.update(self.client.find(SALES_ORDERS, self.match_keys[match_key], values))
        rest = [value for value in values if value not in found]
        if rest and (not kinds or JOURNAL_PAGES.business_object in kinds):
            found.update(JournalEntries(self.session).find(match_key, rest))
        return found

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        refuse_update(self, action, target_id)
        record = record_of(payload)
        order_type = check_order_type_supported(
            str(payload.get("order_type") or OrderType.ORDER), ORDER_TYPES, system="accountview"
        )
        debtor = order_debtor(self.session, payload.get("debtor"), record)
        table = SALES_ORDERS if order_type == OrderType.ORDER else JOURNAL_PAGES
        note_written_as(self.session, table.business_object)
        if order_type == OrderType.ORDER:
            return self.write_sales_order(payload, debtor, record)
        return write_journal_page(self.client, payload.get("journal"), debtor, record)

    def write_sales_order(
        self, payload: Mapping[str, Any], debtor: str, record: str | None
    ) -> WriteResult:
        """The sales order on ``debtor``, with a delivery address when it ships elsewhere."""
        lines = self.lines(payload, record)
        header = present(payload.get("header"))
        header.update(RPL_INV=debtor, RPL_DEL=debtor)
        discount = order_discount(payload.get("costs") or (), record)
        if discount:
            header["PD_AMT"] = discount
        delivery = present(payload.get("delivery"))
        billing = DebtorIndex.of(self.session).by_number.get(debtor, {})
        if delivery and any(
            str(delivery.get(k) or "") != str(billing.get(k) or "") for k in _ADDRESS
        ):
            code = self.delivery_code(debtor, delivery, record)
            if code:
                header["DEL_CODE"] = code
        stored = self.client.write(SALES_ORDERS, header, lines, record=record)
        if not stored.get("ORD_NR"):
            raise RejectedError(
                "AccountView stored the order without an order number", record=record
            )
        return WriteResult(target_id=str(stored["ORD_NR"]), response=stored)

    def lines(self, payload: Mapping[str, Any], record: str | None) -> list[dict[str, Any]]:
        """The order's lines, each on an existing article (by code, else EAN), then its
        shipping and fee lines on the cost articles.

        :raises ValidationError: naming every article that does not exist, or the
            articles an EAN is ambiguous between.
        """
        articles = ArticleIndex.of(self.session)
        given = [present(line) for line in payload.get("lines") or ()]
        articles.look_up("ART_CODE", [str(f.get("ART_CODE") or "") for f in given])
        unknown = [f for f in given if str(f.get("ART_CODE") or "").strip() not in articles.codes]
        articles.look_up("EAN_CODE", [str(f.get("EAN_CODE") or "") for f in unknown])
        lines, wanted = [], []
        for fields in given:
            ean = str(fields.pop("EAN_CODE", "") or "").strip()
            code = str(fields.get("ART_CODE") or "").strip()
            if code not in articles.codes and ean in articles.eans:
                fields["ART_CODE"] = code = one_article(articles.eans[ean], ean, record)
            wanted.append(OrderLine(sku=code or None, ean=ean or None))
            lines.append(fields)
        order = Order(number=record, lines=tuple(wanted))
        check_products_exist(order, known_skus=articles.codes, known_eans=articles.eans)
        settings: AccountViewSettings = self.settings
        for cost in payload.get("costs") or ():
            kind = cost.get("kind")
            if kind != "discount":
                code = settings.shipping_article if kind == "shipping" else settings.fee_article
                fields = {k: v for k, v in present(cost).items() if k != "kind"}
                lines.append({"ART_CODE": code, "ORD_QTY": 1, **fields})
        return lines

    def delivery_code(
        self, debtor: str, delivery: Mapping[str, Any], record: str | None
    ) -> str | None:
        """The REC_ID of the debtor's delivery address equal to ``delivery``, created if new."""
        if not delivery.get("ADDRESS1"):
            return None
        session = self.session
        with session.cached(f"addresses:{debtor}:lock", threading.Lock):
            known = session.cached(f"addresses:{debtor}", lambda: self.addresses(debtor))
            for row in known:
                if all(str(row.get(k) or "") == str(delivery.get(k) or "") for k in _ADDRESS):
                    return str(row["REC_ID"])
            stored = self.client.write(
                DELIVERY_ADDRESSES, {**delivery, "SUB_NR": debtor}, record=record
            )
            if not stored.get("REC_ID"):
                return None
            known.append({**delivery, **stored})
            return str(stored["REC_ID"])

    def addresses(self, debtor: str) -> list[dict[str, Any]]:
        """The delivery addresses of ``debtor``, read once a run."""
        return list(self.client.rows(DELIVERY_ADDRESSES, filters=[Filter("SUB_NR", debtor)]))


def one_article(codes: Sequence[str], ean: str, record: str | None) -> str:
    """The one article of an order line found by ``ean`` alone.

    :raises ValidationError: naming every article when several share the EAN.
    """
    if len(codes) > 1:
        raise ValidationError(
            f"{len(codes)} AccountView articles share the EAN {ean} ({', '.join(codes)}); "
            "send the line's SKU or make the EAN unique",
            record=record,
            entity="orders",
            field="lines.ean",
            candidates=list(codes),
        )
    return codes[0]


def order_discount(costs: Iterable[Mapping[str, Any]], record: str | None) -> Decimal:
    """The order's ``PD_AMT``: its discounts as one positive amount.

    A canonical discount has a negative amount (``-5.00``) and reaches the
    payload as text, as the mapping's ``ART_PX``; AccountView takes the
    discount as a positive number (S3 sends ``PD_AMT`` only when it is above 0).

    :raises MappingRecordError: when a discount's amount is not a number.
    """
    total = Decimal(0)
    for cost in costs:
        if cost.get("kind") != "discount" or cost.get("ART_PX") in (None, ""):
            continue
        try:
            total -= to_decimal(cost["ART_PX"])
        except (TypeError, ValueError) as exc:
            raise MappingRecordError(
                f"AccountView field PD_AMT: discount amount {exc}", field="PD_AMT", record=record
            ) from exc
    return total
