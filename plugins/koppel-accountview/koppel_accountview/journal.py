"""Journal pages (*dagboekpagina's*): orders booked as sales invoices and financial
mutations, and how a page is written.

Both are built by :func:`koppel.accounting.journal_entry_from_order` with the
account plan :func:`koppel.accounting.account_plan_from_settings` reads from the
connection's settings (``accounts``, default debtor 1210, revenue 8000, vat 1500,
rounding 8990) and the flow's lookup tables ``revenue_accounts`` (``NL = "8000"``)
and ``vat_codes`` (``"NL:21" = "2"``); ``docs/accounting.md`` has the whole shape.
A sales invoice goes to the sales journal (``sales_journal``), a financial
mutation to the memorial journal (``memorial_journal``), at the
``invoice_level`` / ``journal_level`` the settings choose. A page is written
only when its lines balance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from koppel.accounting import JournalLevel, account_plan_from_settings, journal_entry_from_order
from koppel.errors import RejectedError, ValidationError
from koppel.records import JournalEntry, Order, OrderType, structure, to_decimal
from koppel.sync import WriteResult
from koppel_accountview import schema
from koppel_accountview.client import AccountViewClient
from koppel_accountview.schema import JOURNAL_PAGES
from koppel_accountview.settings import AccountViewSettings
from koppel_accountview.wire import format_datetime, present

__all__ = ["journal_page", "journal_page_for_order", "write_journal_page"]

#: AccountView's accounts where ``settings.accounts`` leaves one out.
_DEFAULTS = {
    "accounts": {
        "debtor": schema.DEFAULT_DEBTOR_ACCOUNT,
        "revenue": "8000",
        "vat": "1500",
        "rounding": "8990",
    }
}


def journal_page(entry: JournalEntry, journal: str) -> dict[str, Any]:
    """A journal entry as a native ``DJ_PAGE`` header with ``DJ_LINE`` lines.

    ``AMOUNT`` is in the administration's currency (AccountView's dictionary:
    "Mutatiebedrag", the administration's currency mask): the company amount when the
    entry has one, and then ``CUR_AMT`` ("Valutabedrag") holds the entry-currency
    amount. ``BASE_AMT`` is the VAT base ("Basisbedrag BTW", optional), not a currency
    amount, and is not sent.
    """
    when = format_datetime(entry.entry_date) if entry.entry_date else None
    header = {
        "DJ_CODE": journal,
        "INV_NR": entry.number or entry.reference,
        "HDR_DESC": entry.description,
        "CUR_CODE": entry.currency,
        "TRN_DATE": when,
    }
    lines = [
        {
            "kind": str(line.kind),
            "ACCT_NR": line.account,
            "AMOUNT": line.amount if line.amount_company is None else line.amount_company,
            "CUR_AMT": None if line.amount_company is None else line.amount,
            "VAT_CODE": line.vat_code,
            "TRN_DESC": line.description,
            "TRN_DATE": when,
            "SUB_NR": line.relation,
        }
        for line in entry.lines
    ]
    return {"header": header, "lines": lines}


def journal_page_for_order(
    data: Mapping[str, Any],
    settings: AccountViewSettings,
    lookups: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The journal page booking the canonical order ``data`` as its order type says."""
    order = structure(dict(data), Order)
    plan = account_plan_from_settings(
        attrs.asdict(settings), lookups=lookups, system="accountview", defaults=_DEFAULTS
    )
    if order.order_type == OrderType.SALES_INVOICE:
        level, journal = JournalLevel(settings.invoice_level), settings.sales_journal
    else:
        level, journal = JournalLevel(settings.journal_level), settings.memorial_journal
    entry = journal_entry_from_order(order, plan, level, relation="")
    page = journal_page(entry, journal)
    page["header"]["INV_NR"] = order.number or order.id
    page["header"]["HDR_DESC"] = f"order {order.number or order.id}"
    if order.order_date:
        when = format_datetime(order.order_date)
        page["header"]["TRN_DATE"] = when
        for line in page["lines"]:
            line["TRN_DATE"] = when
    return page


def write_journal_page(
    client: AccountViewClient,
    page: Mapping[str, Any] | None,
    debtor: str | None,
    record: str | None,
) -> WriteResult:
    """Write a journal page, its debtor lines (and a sales invoice's header) on ``debtor``.

    :raises ValidationError: when there is no page or its lines do not balance.
    """
    if not isinstance(page, Mapping):
        raise ValidationError("the order has no journal page to book", record=record)
    header = present(page.get("header"))
    lines: list[dict[str, Any]] = []
    for line in page.get("lines") or ():
        fields = {k: v for k, v in present(line).items() if k != "kind"}
        if line.get("kind") == "debtor" and debtor:
            fields["SUB_NR"] = debtor
        lines.append(fields)
    if debtor:
        header["SUB_NR"] = debtor
    total = sum((to_decimal(line.get("AMOUNT") or 0) for line in lines), to_decimal(0))
    if total != 0:
        raise ValidationError(
            f"the journal page does not balance: its lines sum to {total}", record=record
        )
    stored = client.write(JOURNAL_PAGES, header, lines, record=record)
    if not stored.get("PAGE_NR"):
        raise RejectedError("AccountView stored the journal page without a number", record=record)
    return WriteResult(target_id=str(stored["PAGE_NR"]), response=stored)
