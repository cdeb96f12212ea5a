"""The EasyParty connector: the system, its settings, client and resources.

koppel finds it through its entry point, in pyproject.toml::

    [project.entry-points.koppel]
    easyparty = "koppel_easyparty.plugin:connector"
"""

from __future__ import annotations

from koppel.connector import Connector
from koppel_easyparty.client import SYSTEM, EasyPartyClient
from koppel_easyparty.resources import Relations
from koppel_easyparty.settings import EasyPartySettings

__all__ = ["connector"]

connector = Connector(
    name=SYSTEM,
    title="EasyParty",
    description="EasyParty event CRM (assumed API, see REFERENCE.md): relations with their "
    "debtor and creditor numbers, for the relation queue (koppel relations).",
    settings=EasyPartySettings,
    client=EasyPartyClient,
    resources=(Relations,),
    package="koppel_easyparty",
    sandbox="koppel_easyparty.sandbox:make_sandbox",
)
