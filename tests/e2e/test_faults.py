"""The main flows under faults: no record is lost or doubled.

Orders run eAccounting -> AccountView and products AccountView -> eAccounting
between the two sandboxes, with seeded faults on every rate-limited route of
both: the source's reads and the target's lookups and writes. Half the faults
strike after the route ran, so a write happened that the client never saw
answered. The flows run again (parked records made due each time) until only
the order with the unknown product is parked; then, without faults, once more.

Everything runs on one :class:`~koppel.testing.FakeClock`: retry back-off and
rate-limit waits take no real time.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from koppel.cli.run import Sandboxes, run_one
from koppel.errors import KoppelError
from koppel.flows import Flow
from koppel.sandbox import FAULT_KINDS, Faults
from koppel.state import open_state
from koppel.testing import FakeClock

from .conftest import writes

ORDERS = "eaccounting-orders-to-accountview"
PRODUCTS = "accountview-products-to-eaccounting"
FAULT_FLOWS = (PRODUCTS, ORDERS)
MISSING_SKU = "AV-9999"
#: Share of calls that fail; half of the failures strike after the route ran.
RATE = 0.25
#: Rounds (each flow once) before the test gives up on the flows settling.
MAX_ROUNDS = 30


class MixedFaults(Faults):
    """Seeded faults of every kind, each striking before or after the route (seeded too)."""

    def __init__(self, *, rate: float, seed: int) -> None:
        super().__init__(rate=rate, seed=seed, kinds=FAULT_KINDS)
        self.when = random.Random(seed + 1)
        self.struck: Counter[tuple[str, bool]] = Counter()

    def draw(self) -> tuple[str, bool] | None:
        fault = super().draw()
        if fault is None:
            return None
        kind, after = fault[0], fault[1] or self.when.random() < 0.5
        after = after and kind != "refused"  # a refused connection never reached the route
        self.struck[(kind, after)] += 1
        return kind, after


def paid_orders(ea: Any) -> list[dict[str, Any]]:
    return [o for o in ea.store["orders"].all() if o["Status"] == 4]


def webshop_articles(av: Any) -> list[dict[str, Any]]:
    return [row for row in av.store["ARTICLE"].all() if row["AG_CODE"] == "WEBSHOP"]


def run_round(flows: dict[str, Flow], boxes: Sandboxes, state: str) -> list[str]:
    """Each flow once; the errors that stopped a run (a stopped run keeps what it did)."""
    stopped = []
    for name in FAULT_FLOWS:
        try:
            run_one(flows[name], state, sandboxes=boxes)
        except KoppelError as exc:
            stopped.append(f"{name}: {exc}")
    return stopped


def test_faults_retries_wait_on_the_sandboxes_fake_clock(
    flows: dict[str, Flow], tmp_path: Path
) -> None:
    clock = FakeClock()
    boxes = Sandboxes(clock=clock)
    av, ea = boxes.box("accountview"), boxes.box("eaccounting")
    av.faults.inject("503", times=2)  # the first read of each source is answered 503 twice
    ea.faults.inject("503", times=2)
    state = str(tmp_path / "state.sqlite3")
    for name in FAULT_FLOWS:
        result, _ = run_one(flows[name], state, sandboxes=boxes)
        assert result.counts["created"] + result.counts["updated"] > 0, name
    assert len(clock.slept) >= 4  # two back-offs per system, waited on the fake clock
    assert clock.now() > FakeClock().now()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_faults_lose_and_double_no_record(
    flows: dict[str, Flow], tmp_path: Path, seed: int
) -> None:
    boxes = Sandboxes(clock=FakeClock())
    av, ea = boxes.box("accountview"), boxes.box("eaccounting")
    paid = paid_orders(ea)
    (unknown,) = [o for o in paid if any(r["ArticleNumber"] == MISSING_SKU for r in o["Rows"])]
    synced = [o for o in paid if o is not unknown]
    customers = {c["Id"]: c for c in ea.store["customers"].all()}
    state = str(tmp_path / "state.sqlite3")

    av.faults = av_faults = MixedFaults(rate=RATE, seed=seed)
    ea.faults = ea_faults = MixedFaults(rate=RATE, seed=seed + 1000)
    stopped: list[str] = []
    parked_ever: set[str] = set()
    for _ in range(MAX_ROUNDS):
        problems = run_round(flows, boxes, state)
        stopped += problems
        with open_state(state) as store:
            parked = {p.source_id: p.message for p in store.parked()}
            store.mark_due()  # the next round retries every parked record
        parked_ever |= set(parked)
        if not problems and set(parked) == {unknown["Id"]}:
            break
    else:
        pytest.fail(f"still parked after {MAX_ROUNDS} rounds: {parked}; last stops: {stopped[-3:]}")
    # The faults were real: runs stopped, records parked, writes answered after they happened.
    assert stopped or parked_ever - {unknown["Id"]}
    assert any(after for (_, after) in av_faults.struck | ea_faults.struck)

    av.faults = ea.faults = Faults()
    assert run_round(flows, boxes, state) == []

    # Every paid order once in AccountView, by its number; the one with the unknown product not.
    refs = Counter(row["ORD_REF"] for row in av.store["SO_HDR"].all())
    assert refs == Counter(str(o["Number"]) for o in synced)
    # Every debtor once per e-mail address, and every ordering customer has one.
    emails = Counter(row["MAIL_BUS"].strip().lower() for row in av.store["CONTACT"].all())
    assert max(emails.values()) == 1
    for order in synced:
        assert emails[customers[order["CustomerId"]]["EmailAddress"].strip().lower()] == 1
    # No article twice in eAccounting; every web shop article there at AccountView's price.
    numbers = Counter(a["Number"] for a in ea.store["articles"].all())
    assert max(numbers.values()) == 1
    prices = {a["Number"]: a["NetPrice"] for a in ea.store["articles"].all()}
    for row in webshop_articles(av):
        assert float(prices[row["ART_CODE"]]) == pytest.approx(float(row["PX_SELL"]))

    order_numbers = {row["ORD_REF"]: row["ORD_NR"] for row in av.store["SO_HDR"].all()}
    article_ids = {a["Number"]: a["Id"] for a in ea.store["articles"].all()}
    with open_state(state) as store:
        (parked_order,) = store.parked()
        order_scope = (flows[ORDERS].source.name, flows[ORDERS].target.name, "orders")
        product_scope = (flows[PRODUCTS].source.name, flows[PRODUCTS].target.name, "products")
        order_bindings = store.get_bindings(*order_scope, [o["Id"] for o in paid])
        product_bindings = store.get_bindings(
            *product_scope, [row["ART_CODE"] for row in webshop_articles(av)]
        )
        assert store.count_bindings(*order_scope) == len(synced)
        assert store.count_bindings(*product_scope) == len(webshop_articles(av))
    assert parked_order.source_id == unknown["Id"]
    assert f"product not found in the target: {MISSING_SKU}" in parked_order.message
    # Each binding points at the record that landed for it.
    for order in synced:
        assert order_bindings[order["Id"]].target_id == order_numbers[str(order["Number"])]
    for row in webshop_articles(av):
        assert product_bindings[row["ART_CODE"]].target_id == article_ids[row["ART_CODE"]]

    # A final run writes nothing to either system.
    before = writes(av), writes(ea)
    for name in FAULT_FLOWS:
        result, _ = run_one(flows[name], state, sandboxes=boxes)
        assert result.counts["created"] == result.counts["updated"] == 0, name
    assert (writes(av), writes(ea)) == before
