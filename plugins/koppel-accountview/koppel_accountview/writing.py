"""Writing AccountView: debtors, sales orders and journal pages (sales invoices, mutations).

An order is written as AccountView's order flow needs it: the debtor is found
by e-mail address (or the default debtor is used) and created or updated,
every article must exist, and then the sales order (``SO1``) is created. A
sales invoice or a financial mutation is a journal page (``DJ2``) in the sales
or memorial journal, whose debtor lines get the debtor's number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from koppel.accounting import check_order_type_supported, check_products_exist
from koppel.errors import RejectedError, ValidationError
from koppel.records import Order, OrderLine, OrderType
from koppel.sync import Action, Connection, WriteResult
from koppel_accountview import schema
from koppel_accountview.client import AccountViewClient
from koppel_accountview.reading import ArticleIndex, DebtorIndex, email_key
from koppel_accountview.schema import DEBTORS, DELIVERY_ADDRESSES, JOURNAL_PAGES, SALES_ORDERS

__all__ = ["ORDER_TYPES", "write"]

#: Order types AccountView takes: sales orders, and journal pages for the other two.
ORDER_TYPES = (OrderType.ORDER, OrderType.SALES_INVOICE, OrderType.FINANCIAL_MUTATION)

_COST_ARTICLES = {
    "shipping": ("shipping_article", schema.DEFAULT_SHIPPING_ARTICLE),
    "fee": ("fee_article", schema.DEFAULT_FEE_ARTICLE),
}
_ADDRESS = ("ADDRESS1", "POST_CODE", "CITY", "CNT_CODE")


def write(
    connection: Connection,
    entity: str,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult:
    """Create or update one record of ``entity`` (see the ``upsert`` hook)."""
    client = AccountViewClient.from_connection(connection)
    if entity == "customers":
        return _write_customer(connection, client, action, payload, target_id)
    if action != Action.CREATE:
        raise RejectedError(
            f"AccountView {entity} are created once and never updated by koppel "
            f"(existing {target_id}); correct it in AccountView",
            entity=entity,
        )
    record = _record_label(payload)
    if entity == "orders":
        order_type = check_order_type_supported(
            str(payload.get("order_type") or OrderType.ORDER), ORDER_TYPES, system="accountview"
        )
        debtor = ensure_debtor(connection, client, payload.get("debtor"), record)
        if order_type == OrderType.ORDER:
            return _write_order(connection, client, payload, debtor, record)
        return _write_journal(client, payload.get("journal"), debtor, record)
    if entity == "journal_entries":
        return _write_journal(client, payload, None, record)
    raise RejectedError(f"AccountView does not write {entity!r}", entity=entity)


def _record_label(payload: Mapping[str, Any]) -> str | None:
    header = payload.get("header")
    if isinstance(header, Mapping):
        return header.get("ORD_REF") or header.get("INV_NR")
    return payload.get("INV_NR")


def _clean(fields: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (fields or {}).items() if v is not None and v != ""}


def _write_customer(
    connection: Connection,
    client: AccountViewClient,
    action: Action,
    payload: Mapping[str, Any],
    target_id: str | None,
) -> WriteResult:
    index = DebtorIndex.of(connection)
    fields = _clean(payload)
    if action == Action.CREATE:
        fields.setdefault("SUB_NR", _next_debtor(connection, index))
        fields.setdefault("ACCT_NR", _debtor_account(connection))
    else:
        fields["SUB_NR"] = target_id
    stored = client.write(DEBTORS, fields, record=fields.get("MAIL_BUS"))
    index.add({**fields, **stored})
    return WriteResult(target_id=str(stored.get("SUB_NR") or fields["SUB_NR"]), response=stored)


def _next_debtor(connection: Connection, index: DebtorIndex) -> str:
    start = int(connection.settings.get("debtor_number_start") or 10000)
    return index.next_number(start)


def _debtor_account(connection: Connection) -> str:
    return str(connection.settings.get("debtor_account") or schema.DEFAULT_DEBTOR_ACCOUNT)


def ensure_debtor(
    connection: Connection,
    client: AccountViewClient,
    debtor: Mapping[str, Any] | None,
    record: str | None,
) -> str:
    """The number of the order's debtor: the default debtor, or one found by e-mail.

    A debtor found by e-mail address is updated when the order brings changed
    fields (empty ones never blank out AccountView's); one not found is created.

    :raises ValidationError: when there is no default debtor and no e-mail address.
    """
    default = connection.settings.get("default_debtor")
    fields = _clean(debtor)
    if default:
        return str(default)
    if set(fields) == {"SUB_NR"}:
        return str(fields["SUB_NR"])
    email = email_key(fields.get("MAIL_BUS"))
    if email is None:
        raise ValidationError(
            "the order's customer has no e-mail address to find the debtor by; "
            "give it one or set a default debtor",
            record=record,
            entity="orders",
            field="customer.email",
        )
    fields["MAIL_BUS"] = email
    index = DebtorIndex.of(connection)
    existing = index.by_email.get(email)
    if existing is not None:
        number = str(existing["SUB_NR"])
        changes = {k: v for k, v in fields.items() if k != "SUB_NR" and existing.get(k) != v}
        if changes:
            stored = client.write(DEBTORS, {"SUB_NR": number, **changes}, record=record)
            index.add({**changes, **stored, "SUB_NR": number})
        return number
    fields.setdefault("SUB_NR", _next_debtor(connection, index))
    fields.setdefault("ACCT_NR", _debtor_account(connection))
    stored = client.write(DEBTORS, fields, record=record)
    index.add({**fields, **stored})
    return str(stored.get("SUB_NR") or fields["SUB_NR"])


def _order_lines(
    connection: Connection, payload: Mapping[str, Any], record: str | None
) -> list[dict[str, Any]]:
    articles = ArticleIndex.of(connection)
    lines, wanted = [], []
    for line in payload.get("lines") or ():
        fields = _clean(line)
        ean = str(fields.pop("EAN_CODE", "") or "").strip()
        code = str(fields.get("ART_CODE") or "").strip()
        if code not in articles.codes and ean in articles.eans:
            fields["ART_CODE"] = code = articles.eans[ean]
        wanted.append(OrderLine(sku=code or None, ean=ean or None))
        lines.append(fields)
    order = Order(number=record, lines=tuple(wanted))
    check_products_exist(order, known_skus=articles.codes, known_eans=articles.eans)
    for cost in payload.get("costs") or ():
        kind = str(cost.get("kind") or "")
        fields = {k: v for k, v in _clean(cost).items() if k != "kind"}
        if kind == "discount":
            continue
        setting, default = _COST_ARTICLES.get(kind, ("fee_article", schema.DEFAULT_FEE_ARTICLE))
        code = str(connection.settings.get(setting) or default)
        lines.append({"ART_CODE": code, "ORD_QTY": 1, **fields})
    return lines


def _discount(payload: Mapping[str, Any]) -> Any:
    amounts = [
        -cost["ART_PX"]
        for cost in payload.get("costs") or ()
        if cost.get("kind") == "discount" and cost.get("ART_PX") is not None
    ]
    return sum(amounts) if amounts else None


def _delivery_code(
    client: AccountViewClient,
    debtor: str,
    delivery: Mapping[str, Any] | None,
    record: str | None,
) -> str | None:
    """The REC_ID of the debtor's delivery address equal to ``delivery``, created if new."""
    fields = _clean(delivery)
    if not fields.get("ADDRESS1"):
        return None
    from koppel_accountview.client import Filter

    for row in client.rows(DELIVERY_ADDRESSES, filters=[Filter("SUB_NR", debtor)]):
        if all(str(row.get(k) or "") == str(fields.get(k) or "") for k in _ADDRESS):
            return str(row["REC_ID"])
    stored = client.write(DELIVERY_ADDRESSES, {**fields, "SUB_NR": debtor}, record=record)
    return str(stored["REC_ID"]) if stored.get("REC_ID") else None


def _write_order(
    connection: Connection,
    client: AccountViewClient,
    payload: Mapping[str, Any],
    debtor: str,
    record: str | None,
) -> WriteResult:
    lines = _order_lines(connection, payload, record)
    header = _clean(payload.get("header"))
    header.update(RPL_INV=debtor, RPL_DEL=debtor)
    discount = _discount(payload)
    if discount:
        header["PD_AMT"] = discount
    delivery = _clean(payload.get("delivery"))
    billing = DebtorIndex.of(connection).by_number.get(debtor, {})
    if delivery and any(str(delivery.get(k) or "") != str(billing.get(k) or "") for k in _ADDRESS):
        code = _delivery_code(client, debtor, delivery, record)
        if code:
            header["DEL_CODE"] = code
    stored = client.write(SALES_ORDERS, header, lines, record=record)
    if not stored.get("ORD_NR"):
        raise RejectedError("AccountView stored the order without an order number", record=record)
    return WriteResult(target_id=str(stored["ORD_NR"]), response=stored)


def _write_journal(
    client: AccountViewClient,
    journal: Mapping[str, Any] | None,
    debtor: str | None,
    record: str | None,
) -> WriteResult:
    if not isinstance(journal, Mapping):
        raise ValidationError("the order has no journal page to book", record=record)
    header = _clean(journal.get("header"))
    lines: list[dict[str, Any]] = []
    for line in journal.get("lines") or ():
        fields = {k: v for k, v in _clean(line).items() if k != "kind"}
        if line.get("kind") == "debtor" and debtor:
            fields["SUB_NR"] = debtor
        lines.append(fields)
    if debtor:
        header["SUB_NR"] = debtor
    _check_balance(lines, record)
    stored = client.write(JOURNAL_PAGES, header, lines, record=record)
    if not stored.get("PAGE_NR"):
        raise RejectedError("AccountView stored the journal page without a number", record=record)
    return WriteResult(target_id=str(stored["PAGE_NR"]), response=stored)


def _check_balance(lines: Sequence[Mapping[str, Any]], record: str | None) -> None:
    from koppel.records import to_decimal

    total = sum((to_decimal(line.get("AMOUNT") or 0) for line in lines), to_decimal(0))
    if total != 0:
        raise ValidationError(
            f"the journal page does not balance: its lines sum to {total}", record=record
        )
