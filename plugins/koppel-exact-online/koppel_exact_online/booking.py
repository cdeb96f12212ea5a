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
:func:`koppel.accounting.account_plan_from_settings`, ``docs/accounting.md``.
The entry is built with :func:`koppel.accounting.journal_entry_from_order`, so
it balances in every currency or the order fails; the debtor line names the
customer by e-mail address, which the writer turns into the Exact account.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from koppel.accounting import account_plan_from_settings, journal_entry_from_order
from koppel.records import JournalEntry, Order, structure, unstructure
from koppel_exact_online.client import SYSTEM
from koppel_exact_online.settings import ExactSettings

__all__ = ["journal_entry_for", "looks_like_order"]


def looks_like_order(data: Mapping[str, Any]) -> bool:
    """True for an unstructured canonical order (rather than a journal entry)."""
    return "order_type" in data or "customer" in data


def journal_entry_for(settings: ExactSettings, data: Mapping[str, Any]) -> dict[str, Any]:
    """The unstructured journal entry that books the canonical order ``data``."""
    order = structure(dict(data), Order)
    plan = account_plan_from_settings(attrs.asdict(settings), system=SYSTEM)
    customer = order.customer
    relation = None
    if customer is not None:
        relation = customer.email or customer.debtor_number or customer.id
    entry: JournalEntry = journal_entry_from_order(
        order, plan, settings.journal_level, relation=settings.default_debtor or relation
    )
    result: dict[str, Any] = unstructure(entry)
    return result
