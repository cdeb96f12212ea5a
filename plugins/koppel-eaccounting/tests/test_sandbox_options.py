"""The sandbox's serving options: volume, its 429 as a fault, and settings that reach it served."""

from __future__ import annotations

from koppel.http import FakeClock, MemoryTokenStore
from koppel.sandbox import sandbox_for
from koppel.sync import Connection
from koppel_eaccounting.demo import MISSING_SKU
from koppel_eaccounting.sandbox import make_sandbox

from .conftest import SECRETS, client_of, connect


def test_sandbox_volume_is_the_number_of_orders() -> None:
    assert len(sandbox_for("eaccounting").store["orders"]) == 36
    orders = sandbox_for("eaccounting", volume=7).store["orders"].all()
    assert [o["Number"] for o in orders] == list(range(1001, 1008))
    last = orders[-1]
    assert last["Status"] == 4 and MISSING_SKU in {r["ArticleNumber"] for r in last["Rows"]}


def test_sandbox_429_fault_is_eaccountings_and_the_client_waits_it_out(clock: FakeClock) -> None:
    sandbox = make_sandbox(0, clock=clock)
    sandbox.faults.inject("429")
    units = list(client_of(connect(sandbox, clock)).pages("units"))
    assert units == sandbox.store["units"].all()
    assert sandbox.statuses[429] == 1
    assert clock.slept == [1.0]  # "Try again in 1 seconds", the fault's Retry-After


def test_sandbox_connection_settings_reach_it_served() -> None:
    sandbox = make_sandbox(0)
    with sandbox.serve() as server:
        tokens = MemoryTokenStore()
        tokens.save("shop", sandbox.oauth.grant())  # type: ignore[union-attr]
        connection = Connection(
            name="shop",
            system="eaccounting",
            settings=sandbox.connection_settings(server.url),
            secrets=dict(SECRETS),
            token_store=tokens,
        )
        assert len(list(client_of(connection).pages("orders"))) == 36
        connection.close()
    assert sandbox.count("GET", "/v2/orders") == 1
