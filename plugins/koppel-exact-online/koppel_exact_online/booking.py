"""Orders booked as financial mutations (*memoriaalboekingen*) per core's accounting rules.

The connection's settings give the account plan and the level::

    [connections.exact.settings]
    order_type = "financial_mutation"
    journal = "90"
    journal_level = "recommended"        # simple | recommended | advanced | extreme
    [connections.exact.settings.accounts]
    debtor = "1300"
    revenue = "8000"
    vat = "1500"
    rounding = "8990"
    shipping = "8100"                    # optional: fee, discount, revenue_by_rate, vat_by_code

The whole shape (also ``rounding_threshold``, ``home_country``) is core's:
:func:`koppel.accounting.account_plan_from_settings`, ``docs/accounting.md``;
the flow's ``[lookups.vat_codes]`` and ``[lookups.revenue_accounts]`` give the
VAT code and the revenue account per tax country. Sales entries (order type
``sales_invoice``) take their lines' VAT codes and revenue accounts from the
same tables: :func:`sales_entry_lines`.
The entry is built with :func:`koppel.accounting.journal_entry_from_order`, so
it balances in every currency or the order fails; the debtor line names the
customer by e-mail address, which the writer turns into the Exact account.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from koppel.accounting import (
    account_plan_from_settings,
    journal_entry_from_order,
    tax_country,
    tax_tables,
)
from koppel.records import JournalEntry, Order, structure, to_decimal, unstructure
from koppel_exact_online.client import SYSTEM
from koppel_exact_online.settings import ExactSettings

__all__ = ["journal_entry_for", "looks_like_order", "sales_entry_lines"]


def looks_like_order(data: Mapping[str, Any]) -> bool:
    """True for an unstructured canonical order (rather than a journal entry)."""
    return "order_type" in data or "customer" in data


def journal_entry_for(
    settings: ExactSettings,
    data: Mapping[str, Any],
    lookups: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The unstructured journal entry that books the canonical order ``data``.

    :param lookups: the flow's lookup tables (the compiled mapping's).
    """
    order = structure(dict(data), Order)
    plan = account_plan_from_settings(attrs.asdict(settings), lookups=lookups, system=SYSTEM)
    customer = order.customer
    relation = None
    if customer is not None:
        relation = customer.email or customer.debtor_number or customer.id
    entry: JournalEntry = journal_entry_from_order(
        order, plan, settings.journal_level, relation=settings.default_debtor or relation
    )
    result: dict[str, Any] = unstructure(entry)
    return result


def sales_entry_lines(
    settings: ExactSettings,
    data: Mapping[str, Any],
    lookups: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, Any]:
    """The canonical order ``data`` with each line's ``vat_code`` from ``vat_codes`` and its
    ``gl_account`` from ``revenue_accounts``, for the order's tax country (EU OSS).

    Without a table the line keeps what the source gave (and the mapping books revenue
    by VAT code). The order is returned unchanged when neither table is given.

    :raises RecordError: naming the table and the key when a table has no row.
    """
    vat_codes, revenue_accounts = tax_tables(lookups, system=SYSTEM)
    if vat_codes is None and revenue_accounts is None:
        return dict(data)
    order = structure(dict(data), Order)
    country = tax_country(
        order,
        home_country=settings.home_country or "NL",
        oss=True if settings.oss is None else settings.oss,
    )
    lines = []
    for line in data.get("lines") or ():
        booked = dict(line)
        rate = line.get("vat_rate")
        if vat_codes is not None and rate not in (None, ""):
            booked["vat_code"] = vat_codes.lookup(to_decimal(rate), country)
        if revenue_accounts is not None:
            booked["gl_account"] = revenue_accounts.lookup(country)
        lines.append(booked)
    return {**data, "lines": lines}
