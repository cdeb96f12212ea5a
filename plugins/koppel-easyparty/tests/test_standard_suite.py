"""koppel's standard connector suite, run against the EasyParty sandbox."""

from koppel.testing import ConnectorTestSuite
from koppel_easyparty.plugin import connector
from koppel_easyparty.sandbox import DEMO_API_KEY, DEMO_TENANT


class TestEasyParty(ConnectorTestSuite):
    plugin = connector
    system = "easyparty"
    secrets = {"api_key": DEMO_API_KEY}
    settings = {"tenant": DEMO_TENANT, "page_size": 10}
