"""A flow of 300 orders into Exact Online against the sandbox's 60-a-minute limit."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from koppel.http import FakeClock
from koppel_exact_online.runs import (
    calls,
    flow_to_exact,
    manager,
    on_clock,
    open_store,
    run,
    shop_orders,
)
from koppel_exact_online.sandbox import make_sandbox


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


def test_sync_300_orders_draws_no_429_and_waits_no_longer_than_the_limit(tmp_path: Path) -> None:
    clock = FakeClock()  # starts on a minute boundary, like the sandbox's windows
    sandbox = make_sandbox(seed=3, clock=clock, customers=40, products=30)
    shop = shop_orders(300, customers=40, products=30)
    with on_clock(clock), open_store(tmp_path, sandbox) as store:
        started = clock.now()
        result = run(flow_to_exact("orders", "order"), store, manager(shop), sandbox)
        elapsed = clock.now() - started
    assert result.counts["created"] == 300, result.counts
    assert sandbox.rate_limit is not None and sandbox.rate_limit.rejected == 0
    made = calls(sandbox)
    assert made["POST"] == 300  # no write repeated: the token never expired during a wait
    limited = sum(made.values())
    # n calls at 60 a minute in fixed windows: the last one can start no earlier
    # than the beginning of window ceil(n / 60).
    required = 60 * (math.ceil(limited / 60) - 1)
    assert limited > 300 and required >= 300
    assert elapsed <= 1.10 * required, (elapsed, required, limited)
    assert len(sandbox.store["SalesOrders"]) == 300 + 6
