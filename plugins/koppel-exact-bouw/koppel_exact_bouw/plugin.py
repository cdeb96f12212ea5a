"""The Exact Online Bouw connector: the system, its settings, client and resources.

koppel finds it through its entry point, in pyproject.toml::

    [project.entry-points.koppel]
    exact-bouw = "koppel_exact_bouw.plugin:connector"
"""

from __future__ import annotations

from koppel.connector import Connector
from koppel_exact_bouw.client import SYSTEM, ExactBouwClient
from koppel_exact_bouw.functions import FUNCTIONS
from koppel_exact_bouw.resources import (
    CommitmentBookings,
    Commitments,
    Projects,
    PurchaseInvoices,
    Relations,
)
from koppel_exact_bouw.settings import ExactBouwSettings

__all__ = ["connector"]

connector = Connector(
    name=SYSTEM,
    title="Exact Online Bouw (Bouw7)",
    description=(
        "Exact Online Bouw (Bouw7) Heimdall API: commitments, bookings, purchase invoices, "
        "projects, suppliers."
    ),
    settings=ExactBouwSettings,
    client=ExactBouwClient,
    resources=(Commitments, CommitmentBookings, PurchaseInvoices, Projects, Relations),
    package="koppel_exact_bouw",
    sandbox="koppel_exact_bouw.sandbox:make_sandbox",
    functions=FUNCTIONS,
)
