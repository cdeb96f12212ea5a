"""Accounting rules every connector applies the same way.

* order types: :func:`check_order_type_supported`, :func:`check_products_exist`;
* financial mutations: :func:`journal_entry_from_order` at a :class:`JournalLevel`
  with an :class:`AccountPlan` (from settings: :func:`account_plan_from_settings`),
  built on :func:`compute_totals`, :func:`reconcile_totals` and :func:`check_balanced`;
* VAT and revenue per country: :class:`VatCodeTable`, :class:`RevenueAccountTable`,
  :func:`tax_country` (EU OSS);
* customers: :func:`email_key`, :func:`shape_debtor`, :func:`debtor_for_order`;
* stock: :class:`StockSettings`, :class:`StockFormula`, :func:`stock_to_send`;
* order selection: :class:`StatusFilter`, :func:`enrich_order`, :func:`enrich_source_data`.

Money is :class:`~decimal.Decimal` throughout, booked in whole cents. See
``docs/accounting.md`` for the rules with examples.
"""

from koppel.accounting._balance import check_balanced, convert_lines
from koppel.accounting._booking_settings import BookingSettings
from koppel.accounting._customers import (
    CustomerSettings,
    debtor_for_order,
    email_key,
    shape_debtor,
)
from koppel.accounting._journal import journal_entry_from_order
from koppel.accounting._money import CENT, allocate, round_money
from koppel.accounting._order_types import (
    check_order_type_supported,
    check_products_exist,
    missing_products,
)
from koppel.accounting._plan import AccountPlan, JournalLevel
from koppel.accounting._plan_settings import account_plan_from_settings, tax_tables
from koppel.accounting._reconcile import DEFAULT_ROUNDING_THRESHOLD, reconcile_totals
from koppel.accounting._status import StatusFilter, enrich_order, enrich_source_data
from koppel.accounting._stock import NAMED_STOCK_FORMULAS, StockSettings, stock_to_send
from koppel.accounting._stock_formula import STOCK_NAMES, StockFormula
from koppel.accounting._tables import EU_COUNTRIES, RevenueAccountTable, VatCodeTable, tax_country
from koppel.accounting._totals import AmountLine, OrderTotals, VatGroup, compute_totals

__all__ = [
    "CENT",
    "DEFAULT_ROUNDING_THRESHOLD",
    "EU_COUNTRIES",
    "NAMED_STOCK_FORMULAS",
    "STOCK_NAMES",
    "AccountPlan",
    "AmountLine",
    "BookingSettings",
    "CustomerSettings",
    "JournalLevel",
    "OrderTotals",
    "RevenueAccountTable",
    "StatusFilter",
    "StockFormula",
    "StockSettings",
    "VatCodeTable",
    "VatGroup",
    "account_plan_from_settings",
    "allocate",
    "check_balanced",
    "check_order_type_supported",
    "check_products_exist",
    "compute_totals",
    "convert_lines",
    "debtor_for_order",
    "email_key",
    "enrich_order",
    "enrich_source_data",
    "journal_entry_from_order",
    "missing_products",
    "reconcile_totals",
    "round_money",
    "shape_debtor",
    "stock_to_send",
    "tax_country",
    "tax_tables",
]
