"""The AFAS Profit connector: the system, its settings, client and resources.

koppel finds it through its entry point, in pyproject.toml::

    [project.entry-points.koppel]
    afas = "koppel_afas.plugin:connector"
"""

from __future__ import annotations

from koppel.connector import Connector
from koppel_afas.client import SYSTEM, AfasClient
from koppel_afas.functions import FUNCTIONS
from koppel_afas.resources import Commitments, JournalEntries, Orders, Products, Relations
from koppel_afas.settings import AfasSettings

__all__ = ["connector"]

connector = Connector(
    name=SYSTEM,
    title="AFAS Profit",
    description=(
        "AFAS Profit REST API (GetConnectors, UpdateConnectors): relations, articles, "
        "sales orders, journal entries, commitments."
    ),
    settings=AfasSettings,
    client=AfasClient,
    resources=(Relations, Products, Orders, JournalEntries, Commitments),
    package="koppel_afas",
    sandbox="koppel_afas.sandbox:make_sandbox",
    functions=FUNCTIONS,
)
