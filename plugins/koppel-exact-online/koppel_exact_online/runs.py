"""Running flows into and out of the Exact Online sandbox on a fake clock.

For the plugin's tests and ``benchmarks/bench_exact_calls.py``: a shop made of
:class:`koppel.engine.memory.MemorySystem` on one side, the sandbox on the
other, a SQLite state store holding the sandbox's token, and connection
``exact`` and the shared rate limiter on the sandbox's :class:`FakeClock`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from koppel.engine import RunResult, run_flow
from koppel.engine.memory import MemorySystem
from koppel.flows import Flow, parse_flow
from koppel.http import (
    FakeClock,
    MemoryRateLimiter,
    default_rate_limiter,
    set_default_rate_limiter,
)
from koppel.plugins import KoppelPluginManager
from koppel.state import StateStore, open_state
from koppel.sync import Connection
from koppel_exact_online.sandbox import ExactSandbox

CREDENTIALS = {"client_id": "env:EXACT_CLIENT_ID", "client_secret": "env:EXACT_CLIENT_SECRET"}


@contextmanager
def on_clock(clock: FakeClock) -> Iterator[MemoryRateLimiter]:
    """Run the shared rate limiter on ``clock`` (:func:`run` puts connection ``exact`` on
    its sandbox's clock)."""
    previous = default_rate_limiter()
    limiter = MemoryRateLimiter(clock=clock)
    set_default_rate_limiter(limiter)
    try:
        yield limiter
    finally:
        set_default_rate_limiter(previous)


__all__ = [
    "CREDENTIALS",
    "calls",
    "flow_from_exact",
    "flow_to_exact",
    "manager",
    "on_clock",
    "open_store",
    "run",
    "shop_orders",
]


def manager(*systems: MemorySystem) -> KoppelPluginManager:
    """A plugin manager with core's built-ins, this plugin and ``systems``."""
    from koppel_exact_online.plugin import connector

    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.register(connector, "exact-online")
    for system in systems:
        pm.register(system, system.name)
    return pm


def flow_to_exact(entity: str, order_type: str | None = None, **settings: Any) -> Flow:
    """A flow from the shop to Exact; ``settings`` go to ``[settings]`` (one upsert at a time:
    threads sleeping on one fake clock would add up their waits)."""
    data: dict[str, Any] = {
        "name": f"shop-{entity}-to-exact",
        "source": "shop",
        "target": "exact",
        "entity": entity,
        "connections": {
            "shop": {"system": "shop"},
            "exact": {"system": "exact-online", "credentials": CREDENTIALS},
        },
        "settings": {"concurrency": 1, **settings},
    }
    if order_type:
        data["order_type"] = order_type
    return parse_flow(data)


def flow_from_exact(entity: str, **settings: Any) -> Flow:
    """A flow from Exact to the shop; ``settings`` go to ``[settings]``."""
    return parse_flow(
        {
            "name": f"exact-{entity}-to-shop",
            "source": "exact",
            "target": "shop",
            "entity": entity,
            "connections": {
                "shop": {"system": "shop"},
                "exact": {"system": "exact-online", "credentials": CREDENTIALS},
            },
            "settings": {"concurrency": 1, **settings},
        }
    )


def open_store(folder: Path, sandbox: ExactSandbox) -> StateStore:
    """A SQLite state store holding a granted Exact token for connection ``exact``."""
    store = open_state(str(folder / "state.sqlite3"))
    assert sandbox.oauth is not None
    store.token_store().save("exact", sandbox.oauth.grant())
    return store


def run(flow: Flow, store: StateStore, pm: KoppelPluginManager, sandbox: ExactSandbox) -> RunResult:
    """Run ``flow`` once with connection ``exact`` answered by ``sandbox``, on its clock."""

    def on_sandbox(connection: Connection) -> None:
        if connection.name == "exact":
            connection.transport, connection.clock = sandbox.transport(), sandbox.clock

    return run_flow(flow, store, manager=pm, prepare_connection=on_sandbox)


def shop_orders(count: int, *, customers: int, products: int) -> MemorySystem:
    """A shop with ``count`` orders over the sandbox's demo customers and items."""
    shop = MemorySystem("shop")
    for n in range(1, count + 1):
        lines = [
            {
                "sku": f"ART-{(n * 7 + k) % products + 1:04d}",
                "quantity": str(1 + k),
                "unit_price": str(Decimal(995 + n % 50) / 100),
                "vat_rate": "21",
                "vat_code": "2",
            }
            for k in range(1 + n % 3)
        ]
        shop.put(
            "orders",
            str(n),
            {
                "number": f"WEB-{n:05d}",
                "order_date": "2024-05-01",
                "status": "paid",
                "customer": {"email": f"klant{n % customers + 1}@example.nl", "name": "Klant"},
                "lines": lines,
            },
        )
    return shop


def calls(sandbox: ExactSandbox) -> dict[str, int]:
    """The sandbox's calls by method (the token endpoint left out)."""
    out: dict[str, int] = {}
    for (method, path), n in sandbox.calls.items():
        if "oauth2" not in path:
            out[method] = out.get(method, 0) + n
    return out
