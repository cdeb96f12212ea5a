"""The standard connector suite, run against the example connector in tests/."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from example_connector import plugin as shopdemo
from example_connector.sandbox import API_KEY

from koppel.testing import ConnectorTestSuite


class TestShopDemo(ConnectorTestSuite):
    plugin = shopdemo
    system = "shopdemo"
    secrets = {"api_key": API_KEY}
    samples = {
        "customers": {"name": "Ann Smit", "email": "ann@example.com", "phone": "+31 20 1234567"},
        "orders": {"number": "SO-1", "order_type": "order"},
    }
    changes = {"customers": {"name": "Ann de Smit"}}
    rejected = {"customers": {"name": "No e-mail"}}
    cassettes = Path(__file__).parent / "cassettes"
