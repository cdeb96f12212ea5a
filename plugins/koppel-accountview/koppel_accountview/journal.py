"""Orders booked as journal pages: sales invoices and financial mutations.

Both are built by :func:`koppel.accounting.journal_entry_from_order` with an
account plan from the connection's settings; a sales invoice goes to the sales
journal (``sales_journal``), a financial mutation to the memorial journal
(``memorial_journal``) at the ``journal_level`` the settings choose. Revenue
accounts per country and VAT codes per country come from the flow's lookup
tables ``revenue_accounts`` (``NL = "8000"``) and ``vat_codes``
(``"NL:21" = "2"``), when it has them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from koppel.accounting import (
    AccountPlan,
    JournalLevel,
    RevenueAccountTable,
    VatCodeTable,
    journal_entry_from_order,
)
from koppel.errors import ConfigurationError
from koppel.records import JournalEntry, Order, OrderType, structure
from koppel_accountview import schema
from koppel_accountview.wire import format_datetime

__all__ = ["account_plan", "journal_page", "journal_page_for_order"]

_ACCOUNT_DEFAULTS = {
    "debtor": schema.DEFAULT_DEBTOR_ACCOUNT,
    "revenue": "8000",
    "vat": "1500",
    "rounding": "8990",
}


def _vat_table(rows: Mapping[str, Any]) -> VatCodeTable:
    parsed: dict[tuple[Decimal | int | str, str], str] = {}
    for key, code in rows.items():
        country, sep, rate = str(key).partition(":")
        if not sep:
            raise ConfigurationError(
                f'vat_codes key {key!r} must read COUNTRY:RATE, like "NL:21"', field="vat_codes"
            )
        parsed[(rate, country)] = str(code)
    return VatCodeTable(parsed)


def account_plan(
    settings: Mapping[str, Any], lookups: Mapping[str, Mapping[str, Any]] | None = None
) -> AccountPlan:
    """The account plan from ``settings["accounts"]`` and the flow's lookup tables."""
    accounts = {**_ACCOUNT_DEFAULTS, **dict(settings.get("accounts") or {})}
    unknown = set(accounts) - {*_ACCOUNT_DEFAULTS, "shipping", "fee", "discount"}
    if unknown:
        raise ConfigurationError(
            f"unknown account(s) {', '.join(sorted(unknown))} in settings.accounts",
            field="settings.accounts",
        )
    tables = lookups or {}
    revenue = tables.get("revenue_accounts")
    vat = tables.get("vat_codes")
    return AccountPlan(
        debtor_account=str(accounts["debtor"]),
        revenue_account=str(accounts["revenue"]),
        vat_account=str(accounts["vat"]),
        rounding_account=str(accounts["rounding"]),
        shipping_account=accounts.get("shipping"),
        fee_account=accounts.get("fee"),
        discount_account=accounts.get("discount"),
        revenue_accounts=RevenueAccountTable({str(k): str(v) for k, v in revenue.items()})
        if revenue
        else None,
        vat_codes=_vat_table(vat) if vat else None,
        home_country=str(settings.get("home_country") or "NL"),
    )


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
    plan = account_plan(settings, lookups)
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
