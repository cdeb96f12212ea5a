"""The AccountView connector; its entry point names it::

[project.entry-points.koppel]
accountview = "koppel_accountview.plugin:connector"
"""

from __future__ import annotations

from koppel.connector import Connector
from koppel_accountview.client import AccountViewClient, oauth
from koppel_accountview.functions import FUNCTIONS
from koppel_accountview.resources import (
    Customers,
    JournalEntries,
    Orders,
    Products,
    Relations,
    Stock,
)
from koppel_accountview.settings import AccountViewSettings

connector = Connector(
    name="accountview",
    title="AccountView (AccountView.net)",
    description="Visma AccountView through the AccountView.net REST API (v3).",
    settings=AccountViewSettings,
    client=AccountViewClient,
    oauth=oauth,
    resources=(Products, Stock, Customers, Relations, Orders, JournalEntries),
    package="koppel_accountview",
    sandbox="koppel_accountview.sandbox:make_sandbox",
    functions=FUNCTIONS,
)
