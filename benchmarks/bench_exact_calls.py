"""Exact Online API calls of a first sync and of an unchanged re-run, counted by the sandbox.

A shop (koppel's in-memory system) holds 200 customers (every third a company with a
contact person), 300 products and 1,000 orders; three flows push them into the Exact
Online sandbox: customers, products, then orders (as sales orders, and again into a
fresh company as financial mutations). Every flow then runs again over unchanged data.
The plugin and the sandbox run on a fake clock, so the simulated time the 60-a-minute
limit imposes is reported too, without waiting for it.

    python benchmarks/bench_exact_calls.py
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

import structlog
from cryptography.fernet import Fernet

from koppel.engine.memory import MemorySystem
from koppel.http import FakeClock
from koppel_exact_online.runs import (
    flow_to_exact,
    manager,
    on_clock,
    open_store,
    run,
    shop_orders,
)
from koppel_exact_online.sandbox import ExactSandbox, make_sandbox

CUSTOMERS, PRODUCTS, ORDERS = 200, 300, 1000
ACCOUNTS = {"debtor": "1300", "revenue": "8000", "vat": "1500", "rounding": "8990"}


def shop() -> MemorySystem:
    system = shop_orders(ORDERS, customers=CUSTOMERS, products=PRODUCTS)
    for n in range(1, CUSTOMERS + 1):
        company = n % 3 == 0
        system.put(
            "customers",
            str(n),
            {
                "email": f"klant{n}@example.nl",
                "name": f"Klant {n}",
                "company_name": f"Bedrijf {n} BV" if company else None,
                "contact": {"first_name": "Klant", "last_name": str(n)} if company else None,
                "billing_address": {"street": "Dorpsstraat", "house_number": str(n)},
            },
        )
    for n in range(1, PRODUCTS + 1):
        system.put(
            "products",
            str(n),
            {"sku": f"ART-{n:04d}", "ean": f"871{n:010d}", "name": f"Artikel {n}"},
        )
    return system


def by_kind(sandbox: ExactSandbox) -> Counter[str]:
    """Calls by what they were: sync/bulk reads, filtered reads, writes, current/Me."""
    kinds: Counter[str] = Counter()
    for (method, path), n in sandbox.calls.items():
        if "oauth2" in path:
            continue
        if path.endswith("current/Me"):
            kinds["current/Me"] += n
        elif method != "GET":
            kinds[method] += n
        elif "{kind}" in path:
            kinds["GET sync"] += n
        else:
            kinds["GET filtered"] += n
    return kinds


def scenario(order_type: str, folder: Path) -> list[tuple[str, str, Counter[str], float]]:
    clock = FakeClock()
    sandbox = make_sandbox(seed=7, clock=clock, customers=0, products=0, orders=0)
    source = shop()
    rows = []
    settings = {"accounts": ACCOUNTS} if order_type == "financial_mutation" else {}
    flows = [
        ("customers", flow_to_exact("customers")),
        ("products", flow_to_exact("products")),
        (f"orders ({order_type})", flow_to_exact("orders", order_type, **settings)),
    ]
    with on_clock(clock), open_store(folder, sandbox) as store:
        pm = manager(source)
        for label in ("first sync", "unchanged re-run"):
            for name, flow in flows:
                sandbox.calls.clear()
                started = clock.now()
                result = run(flow, store, pm, sandbox)
                failed = result.counts.get("failed", 0)
                if failed:
                    sys.exit(f"{name}: {failed} records failed: {store.parked()[:3]}")
                rows.append((label, name, by_kind(sandbox), clock.now() - started))
    assert sandbox.rate_limit is not None and sandbox.rate_limit.rejected == 0, "429s drawn"
    return rows


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    os.environ.setdefault("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    os.environ["EXACT_CLIENT_ID"] = "sandbox-client"
    os.environ["EXACT_CLIENT_SECRET"] = "sandbox-secret"
    print(f"{CUSTOMERS} customers, {PRODUCTS} products, {ORDERS} orders into the Exact sandbox")
    print("| run | flow | calls | GET sync | GET filtered | POST | PUT | current/Me | minutes |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for order_type in ("order", "financial_mutation"):
        with tempfile.TemporaryDirectory() as folder:
            for label, name, kinds, seconds in scenario(order_type, Path(folder)):
                total = sum(kinds.values())
                cells = [
                    kinds[k] for k in ("GET sync", "GET filtered", "POST", "PUT", "current/Me")
                ]
                print(
                    f"| {label} | {name} | {total} | "
                    + " | ".join(str(c) for c in cells)
                    + f" | {seconds / 60:.0f} |"
                )


if __name__ == "__main__":
    main()
