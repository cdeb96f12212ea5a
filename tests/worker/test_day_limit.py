"""A day budget spent is not a failure: the run ends ``paused`` with no record failed and
the cursor where it was, and the next day's run goes on (Exact Online sandbox, 5,000 calls
a day, on a fake clock)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from koppel.http import FakeClock

exact = pytest.importorskip("koppel_exact_online.runs")
from koppel_exact_online.sandbox import make_sandbox  # noqa: E402

DAY = 86_400


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXACT_CLIENT_ID", "sandbox-client")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "sandbox-secret")


@pytest.mark.slow
def test_6000_orders_pause_on_day_one_and_complete_on_day_two(tmp_path: Path) -> None:
    clock = FakeClock()  # midnight UTC: the sandbox's day windows start here
    sandbox = make_sandbox(seed=5, clock=clock, customers=40, products=30)
    shop = exact.shop_orders(6000, customers=40, products=30)
    flow = exact.flow_to_exact("orders", "order", chunk_size=100)
    pm = exact.manager(shop)
    with exact.on_clock(clock), exact.open_store(tmp_path, sandbox) as store:
        first = exact.run(flow, store, pm, sandbox)
        assert first.paused_until is not None, first.counts
        assert first.counts["failed"] == 0 and store.parked(flow.name) == []
        (run,) = store.runs(flow.name)
        assert run.status == "paused" and "for the day" in (run.message or "")
        pause = store.pause(flow.name)
        assert pause is not None and pause.resume_at == first.paused_until
        assert pause.resume_at.timestamp() <= clock.now() + DAY
        written = first.counts["created"]
        assert 0 < written < 6000
        cursor = store.get_cursor(flow.name, "orders")
        assert cursor is not None and int(cursor) <= written + 100  # not past what was written

        clock.sleep(pause.resume_at.timestamp() - clock.now())  # the next day
        second = exact.run(flow, store, pm, sandbox)
        assert second.paused_until is None and second.counts["failed"] == 0, second.counts
        assert written + second.counts["created"] == 6000
        assert store.pause(flow.name) is None
    assert sandbox.rate_limit is not None and sandbox.rate_limit.rejected == 0
    numbers = Counter(o.get("YourRef") for o in sandbox.store["SalesOrders"].all())
    assert sum(1 for n, k in numbers.items() if n and n.startswith("WEB-") and k == 1) == 6000
    assert max(numbers.values()) == 1
