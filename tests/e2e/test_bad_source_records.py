"""One bad source record among good ones never blocks the flow (a hypothesis property).

eAccounting's paid orders go to AccountView, as in the demo, with one order
whose field (at the top or in its first row) holds a string, number, list,
object or null instead of its value; or with a page answered truncated or
not as JSON. Only koppel errors may come out; every good order lands once;
the bad one lands once, or is parked, or is logged as skipped with its reason.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koppel.cli.run import Sandboxes, run_one
from koppel.errors import KoppelError
from koppel.flows import Flow
from koppel.state import open_state

from .conftest import writes

ORDERS = "eaccounting-orders-to-accountview"
MISSING_SKU = "AV-9999"
#: The demo order the tests spoil: paid, with an existing customer and products.
VICTIM = 1007

ORDER_FIELDS = (
    "Id",
    "Number",
    "CustomerId",
    "CurrencyCode",
    "Status",
    "OrderDate",
    "ModifiedUtc",
    "Amount",
    "VatAmount",
    "Rows",
    "InvoiceCountryCode",
    "DeliveryCountryCode",
    "YourReference",
    "CustomerIsPrivatePerson",
)
ROW_FIELDS = ("ArticleId", "ArticleNumber", "Quantity", "UnitPrice", "DiscountPercentage", "Text")

junk = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.none(),
)


def paid(orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in orders if o["Status"] == 4]


def sync_once(flow: Flow, boxes: Sandboxes, state: str) -> None:
    with contextlib.suppress(KoppelError):  # it may stop a run; anything else fails the test
        run_one(flow, state, sandboxes=boxes)


def check_no_record_lost_or_doubled(
    boxes: Sandboxes, state: str, good: list[dict[str, Any]]
) -> None:
    av = boxes.box("accountview")
    refs = Counter(row.get("ORD_REF") for row in av.store["SO_HDR"].all())
    assert not {None, ""} & set(refs), "an order landed without its number"
    assert max(refs.values(), default=0) == 1, refs
    for order in good:
        assert refs[str(order["Number"])] == 1, order["Number"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(where=st.sampled_from(["order", "row"]), data=st.data(), value=junk)
def test_bad_field_in_one_order_parks_or_skips_it_and_every_good_order_lands_once(
    flows: dict[str, Flow],
    tmp_path_factory: pytest.TempPathFactory,
    where: str,
    data: Any,
    value: Any,
) -> None:
    boxes = Sandboxes()
    ea = boxes.box("eaccounting")
    orders = ea.store["orders"].all()
    (victim,) = [o for o in orders if o["Number"] == VICTIM]
    good = [
        o
        for o in paid(orders)
        if o is not victim and all(r.get("ArticleNumber") != MISSING_SKU for r in o["Rows"])
    ]
    if where == "order":
        field = data.draw(st.sampled_from(ORDER_FIELDS), label="field")
        spoiled = {**victim, field: value}
    else:
        field = data.draw(st.sampled_from(ROW_FIELDS), label="row field")
        spoiled = {**victim, "Rows": [{**victim["Rows"][0], field: value}, *victim["Rows"][1:]]}
    ea.store["orders"].put(victim["Id"], spoiled)
    state = str(tmp_path_factory.mktemp("bad") / "state.sqlite3")

    result, _ = run_one(flows[ORDERS], state, sandboxes=boxes)  # no error at all may stop it
    check_no_record_lost_or_doubled(boxes, state, good)
    with open_state(state) as store:
        parked = {p.source_id: p.message for p in store.parked()}
        skipped = [e for e in store.activity(flow=flows[ORDERS].name) if e.action == "skip"]
    assert len(parked) <= 2 and all(parked.values())  # AV-9999's order, maybe the bad one
    assert all(e.message for e in skipped)
    av = boxes.box("accountview")
    landed = {row.get("ORD_REF") for row in av.store["SO_HDR"].all()}
    assert result.counts["failed"] == len(parked)
    assert len(landed) == result.counts["created"]

    before = writes(av)
    run_one(flows[ORDERS], state, sandboxes=boxes)  # nothing doubled on the next run
    check_no_record_lost_or_doubled(boxes, state, good)
    assert writes(av) == before


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
def test_bad_page_body_stops_the_run_with_a_koppel_error_and_the_next_run_lands_all(
    flows: dict[str, Flow], tmp_path: Path, kind: str
) -> None:
    boxes = Sandboxes()
    ea = boxes.box("eaccounting")
    good = [
        o
        for o in paid(ea.store["orders"].all())
        if all(r.get("ArticleNumber") != MISSING_SKU for r in o["Rows"])
    ]
    ea.faults.inject(kind, times=20)
    state = str(tmp_path / "state.sqlite3")
    sync_once(flows[ORDERS], boxes, state)
    ea.faults.reset()
    run_one(flows[ORDERS], state, sandboxes=boxes)
    check_no_record_lost_or_doubled(boxes, state, good)
