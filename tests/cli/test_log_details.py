"""koppel log shows each record whole, though its master data is stored once for many."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

import koppel.state
from koppel.state._schema import activity_parts

CUSTOMER = {
    "name": "Koffiehuis De Boon B.V.",
    "email": "inkoop@koffiehuisdeboon.nl",
    "address": {"street": "Hoofdstraat 12a", "postcode": "1011 AB", "city": "Amsterdam"},
}


def _orders(flow_env: Any, count: int) -> None:
    flow_env.books.rows("products")["P1"] = {"sku": "A"}
    for n in range(count):
        flow_env.shop.put(
            "orders",
            f"o{n}",
            {
                "number": f"100{n}",
                "customer": CUSTOMER,
                "lines": [{"sku": "A", "quantity": "1", "unit_price": "9.95"}],
            },
        )


def test_log_details_shows_the_master_data_each_record_references(flow_env: Any) -> None:
    _orders(flow_env, 3)
    flow = flow_env.write("orders")
    run = flow_env.invoke("run", str(flow))
    assert run.exit_code == 0, run.output
    with koppel.state.open_state(flow_env.state) as store, store.engine.connect() as conn:
        parts = conn.execute(sa.select(sa.func.count()).select_from(activity_parts)).scalar_one()
    assert parts >= 1  # the customer, stored once for the orders after the first
    details = flow_env.invoke("log", str(flow), "--details").output
    assert details.count('"Koffiehuis De Boon B.V."') >= 3  # in every order's "in"
    assert details.count('"Hoofdstraat 12a"') >= 3
    assert "$koppel_part" not in details
    lines = flow_env.invoke("log", str(flow), "--json").output.splitlines()
    assert [json.loads(line)["source"]["customer"] for line in lines] == [CUSTOMER] * 3
