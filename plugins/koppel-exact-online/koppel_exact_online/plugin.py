"""Exact Online, declared: its entry point names ``koppel_exact_online.plugin:connector``."""

from __future__ import annotations

from koppel.connector import Connector
from koppel_exact_online.client import SYSTEM, ExactClient, oauth_config
from koppel_exact_online.functions import FUNCTIONS
from koppel_exact_online.resources import (
    Customers,
    Invoices,
    JournalEntries,
    Orders,
    Products,
    PurchaseInvoices,
    Relations,
    Stock,
)
from koppel_exact_online.settings import ExactSettings

__all__ = ["connector"]

connector = Connector(
    name=SYSTEM,
    title="Exact Online",
    description="Exact Online REST API: OData v2, Sync API, OAuth2 with rotating tokens",
    settings=ExactSettings,
    client=ExactClient,
    oauth=oauth_config,
    resources=(
        Customers,
        Relations,
        Products,
        Stock,
        Orders,
        Invoices,
        JournalEntries,
        PurchaseInvoices,
    ),
    package="koppel_exact_online",
    sandbox="koppel_exact_online.sandbox:make_sandbox",
    functions=FUNCTIONS,
)
