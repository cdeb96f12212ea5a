"""The sandbox's serving options: volume, and settings that reach it served."""

from __future__ import annotations

from koppel.http import MemoryTokenStore
from koppel.sandbox import sandbox_for
from koppel.sync import Connection
from koppel_exact_online.entity_sets import SALES_ORDERS
from koppel_exact_online.plugin import connector
from koppel_exact_online.sandbox import make_sandbox

from .conftest import SECRETS


def test_sandbox_volume_is_the_number_of_accounts_items_and_orders() -> None:
    default = sandbox_for("exact-online").store
    assert [len(default[n]) for n in ("Accounts", "Items", "SalesOrders")] == [16, 20, 6]
    store = sandbox_for("exact-online", volume=25).store
    assert [len(store[n]) for n in ("Accounts", "Items", "SalesOrders")] == [29, 25, 25]


def test_sandbox_connection_settings_reach_it_served() -> None:
    sandbox = make_sandbox(seed=1)
    with sandbox.serve() as server:
        tokens = MemoryTokenStore()
        tokens.save("exact", sandbox.oauth.grant())  # type: ignore[union-attr]
        connection = Connection(
            name="exact",
            system="exact-online",
            settings=sandbox.connection_settings(server.url),
            secrets=dict(SECRETS),
            token_store=tokens,
        )
        client = connector.session(connection).client
        assert len(list(client.read(SALES_ORDERS))) == 6
        connection.close()
