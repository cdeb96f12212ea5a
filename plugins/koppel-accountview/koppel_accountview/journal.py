"""Orders booked as journal pages: sales invoices and financial mutations.

Both are built by :func:`koppel.accounting.journal_entry_from_order` with the
account plan :func:`koppel.accounting.account_plan_from_settings` reads from the
connection's settings (``accounts``, default debtor 1210, revenue 8000, vat 1500,
rounding 8990) and the flow's lookup tables ``revenue_accounts`` (``NL = "8000"``)
and ``vat_codes`` (``"NL:21" = "2"``); ``docs/accounting.md`` has the whole shape.
A sales invoice goes to the sales journal (``sales_journal``), a financial
mutation to the memorial journal (``memorial_journal``), at the
``invoice_level`` / ``journal_level`` the settings choose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppel.accounting import JournalLevel, account_plan_from_settings, journal_entry_from_order
from koppel.records import JournalEntry, Order, OrderType, structure
from koppel_accountview import schema
from koppel_accountview.wire import format_datetime

__all__ = ["journal_page", "journal_page_for_order"]

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
    """A journal entry as a native ``DJ_PAGE`` header with ``DJ_LINE`` lines."""
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
            "AMOUNT": line.amount,
            "BASE_AMT": line.amount_company,
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
    settings: Mapping[str, Any],
    lookups: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The journal page booking the canonical order ``data`` as its order type says."""
    order = structure(dict(data), Order)
    plan = account_plan_from_settings(
        settings, lookups=lookups, system="accountview", defaults=_DEFAULTS
    )
    if order.order_type == OrderType.SALES_INVOICE:
        level = JournalLevel(settings.get("invoice_level") or JournalLevel.RECOMMENDED)
        journal = str(settings.get("sales_journal") or schema.DEFAULT_SALES_JOURNAL)
    else:
        level = JournalLevel(settings.get("journal_level") or JournalLevel.RECOMMENDED)
        journal = str(settings.get("memorial_journal") or schema.DEFAULT_MEMORIAL_JOURNAL)
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
