"""The Visma eAccounting connector: the system, its settings, client and resources.

koppel finds it through its entry point, in pyproject.toml::

    [project.entry-points.koppel]
    eaccounting = "koppel_eaccounting.plugin:connector"
"""

from __future__ import annotations

from koppel.connector import Connector
from koppel_eaccounting.client import SYSTEM, EAccountingClient, oauth
from koppel_eaccounting.functions import FUNCTIONS
from koppel_eaccounting.resources import Customers, Orders, Products, Stock
from koppel_eaccounting.settings import EAccountingSettings

__all__ = ["connector"]

connector = Connector(
    name=SYSTEM,
    title="Visma eAccounting (eKonomi)",
    description="Visma eAccounting API v2: orders, customers, articles, stock.",
    settings=EAccountingSettings,
    client=EAccountingClient,
    oauth=oauth,
    resources=(Orders, Customers, Products, Stock),
    package="koppel_eaccounting",
    sandbox="koppel_eaccounting.sandbox:make_sandbox",
    functions=FUNCTIONS,
)
