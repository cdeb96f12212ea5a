"""``--json`` of run, check, state show and log, and ``koppel --log-json``: the shapes
docs/operations.md documents ("Machine-readable output")."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from koppel.cli import cli

RUN_FLOW_KEYS = {
    "file",
    "flow",
    "run",
    "dry_run",
    "fetched",
    "elapsed",
    "counts",
    "failures",
    "changed_after_booking",
    "deleted_in_source",
}
COUNTS = {"created", "updated", "deleted", "skipped", "failed", "parked"}
STATE_KEYS = {"flow", "source", "target", "entity", "state", "cursor", "bindings", "parked", "runs"}
RUN_KEYS = {"run", "started_at", "status", "dry_run", "counts", "pid", "host", "message"}
LOG_KEYS = {"id", "run", "flow", "entity", "record", "action", "message", "source", "sent"}


def products(env: Any) -> None:
    for n in range(3):
        price = "abc" if n == 1 else f"{n}.25"
        env.shop.put(
            "products", f"p{n}", {"sku": f"S{n}", "name": f"P{n}", "price_excl_vat": price}
        )


def test_run_state_show_and_log_json_have_the_documented_shapes(flow_env: Any) -> None:
    products(flow_env)
    flow = str(flow_env.write("products"))

    run = flow_env.invoke("run", "--json", flow)
    assert run.exit_code == 1
    document = json.loads(run.stdout)
    assert set(document) == {"state", "flows"}
    (only,) = document["flows"]
    assert set(only) == RUN_FLOW_KEYS and set(only["counts"]) == COUNTS
    assert only["counts"]["failed"] == 1 and only["failures"][0]["record"] == "p1"

    shown = json.loads(flow_env.invoke("state", "show", "--json", flow).stdout)
    assert set(shown) == STATE_KEYS and shown["parked"] == 1 and shown["bindings"] == 2
    assert set(shown["runs"][0]) == RUN_KEYS

    lines = flow_env.invoke("log", "--json", flow).stdout.splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 3 and all(set(e) >= LOG_KEYS for e in entries)


def test_log_json_logs_json_lines_without_debug(flow_env: Any) -> None:
    products(flow_env)
    flow = str(flow_env.write("products"))
    result = CliRunner().invoke(cli, ["--log-json", "run", flow, "--state", flow_env.state])
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    (finished,) = [e for e in events if e["event"] == "run finished"]
    assert finished["flow"] == "shop-customers" and finished["failed"] == 1
    assert finished["level"] == "info"
