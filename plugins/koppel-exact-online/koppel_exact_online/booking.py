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

The entry is built with :func:`koppel.accounting.journal_entry_from_order`, so
it balances in every currency or the order fails; the debtor line names the
customer by e-mail address, which the writer turns into the Exact account.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppel.accounting import AccountPlan, JournalLevel, journal_entry_from_order
from koppel.errors import ConfigurationError
from koppel.records import JournalEntry, Order, structure, unstructure
from koppel.sync import Connection

__all__ = ["account_plan", "journal_entry_for", "looks_like_order"]

_REQUIRED = ("debtor", "revenue", "vat", "rounding")


def account_plan(settings: Mapping[str, Any]) -> AccountPlan:
    """The :class:`AccountPlan` from a connection's ``accounts`` setting.

    :raises ConfigurationError: naming a missing account.
    """
    accounts = settings.get("accounts") or {}
    missing = [name for name in _REQUIRED if not accounts.get(name)]
    if missing:
        raise ConfigurationError(
            "financial mutations need the accounts " + ", ".join(f"accounts.{m}" for m in missing),
            system="exact-online",
            field="accounts",
        )
    return AccountPlan(
        debtor_account=str(accounts["debtor"]),
        revenue_account=str(accounts["revenue"]),
        vat_account=str(accounts["vat"]),
        rounding_account=str(accounts["rounding"]),
        shipping_account=accounts.get("shipping"),
        fee_account=accounts.get("fee"),
        discount_account=accounts.get("discount"),
        revenue_accounts_by_rate=accounts.get("revenue_by_rate", {}),
        vat_accounts=accounts.get("vat_by_code", {}),
        journal=str(settings.get("journal", "90")),
        home_country=str(settings.get("home_country", "NL")),
        **(
            {"rounding_threshold": settings["rounding_threshold"]}
            if "rounding_threshold" in settings
            else {}
        ),
    )


def looks_like_order(data: Mapping[str, Any]) -> bool:
    """True for an unstructured canonical order (rather than a journal entry)."""
    return "order_type" in data or "customer" in data


def journal_entry_for(connection: Connection, data: Mapping[str, Any]) -> dict[str, Any]:
    """The unstructured journal entry that books the canonical order ``data``."""
    order = structure(dict(data), Order)
    plan = account_plan(connection.settings)
    level = JournalLevel(connection.settings.get("journal_level", JournalLevel.RECOMMENDED))
    customer = order.customer
    relation = None
    if customer is not None:
        relation = customer.email or customer.debtor_number or customer.id
    default = connection.settings.get("default_debtor")
    entry: JournalEntry = journal_entry_from_order(
        order, plan, level, relation=str(default) if default else relation
    )
    result: dict[str, Any] = unstructure(entry)
    return result
