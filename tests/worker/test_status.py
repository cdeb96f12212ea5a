"""``koppel status``: every flow with its last run, next run, where it runs, parked records
and open alerts, as a table and as JSON lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from koppel.cli import cli
from koppel.state import open_state

EXAMPLE = Path(__file__).parents[2] / "examples" / "eaccounting-orders-to-exact.toml"


def _flows(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'name = "eaccounting-orders-to-exact"\n',
        'name = "eaccounting-orders-to-exact"\n'
        'schedule = { cron = "30 6 * * *", timezone = "Europe/Amsterdam" }\n',
        1,
    )
    (folder / "orders.toml").write_text(text, encoding="utf-8")
    return folder


def test_status_shows_every_flow_of_the_folder_and_the_store(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite3")
    with open_state(state) as store:
        run = store.start_run("eaccounting-orders-to-exact")
        store.finish_run(run, status="failed", counts={"created": 7, "failed": 1})
        store.park("eaccounting-orders-to-exact", "orders", "17", {}, "no VAT code", "X", None)
        store.settle_alerts("eaccounting-orders-to-exact", {"parked:orders:17": "no VAT code"})
        paused = store.start_run("products")
        resume = datetime.now(UTC) + timedelta(hours=5)
        store.pause_run(paused, counts={"created": 3}, resume_at=resume, reason="day spent")
        store.start_run("stock")  # running now, in this process
    args = ["status", "--flows", str(_flows(tmp_path)), "--state", state]
    shown = CliRunner().invoke(cli, [*args, "--json"])
    assert shown.exit_code == 0, shown.output
    rows = {row["flow"]: row for row in map(json.loads, shown.output.splitlines())}
    assert set(rows) == {"eaccounting-orders-to-exact", "products", "stock"}
    orders = rows["eaccounting-orders-to-exact"]
    assert orders["last_run"]["status"] == "failed"
    assert orders["last_run"]["counts"] == {"created": 7, "failed": 1}
    assert orders["parked"] == 1 and orders["alerts"][0]["key"] == "parked:orders:17"
    # the next 06:30 in Amsterdam, in UTC
    next_run = datetime.fromisoformat(orders["next_run"])
    assert next_run.minute == 30 and next_run.hour in (4, 5)
    assert next_run - datetime.now(UTC) <= timedelta(days=1)
    assert rows["products"]["last_run"]["status"] == "paused"
    assert datetime.fromisoformat(rows["products"]["next_run"]) == resume
    stock = rows["stock"]
    assert stock["last_run"] is None and stock["running"][0]["pid"] > 0
    table = CliRunner().invoke(cli, args)
    assert table.exit_code == 0, table.output
    header, *lines = table.output.splitlines()
    assert header.split()[:3] == ["flow", "last", "run"]
    orders_line = next(line for line in lines if line.startswith("eaccounting-orders-to-exact"))
    assert "failed" in orders_line and "created=7 failed=1" in orders_line
    assert "1 open" in orders_line
    assert "paused" in next(line for line in lines if line.startswith("products"))


def test_status_says_why_the_last_run_stopped(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite3")
    with open_state(state) as store:
        run = store.start_run("orders")
        store.finish_run(run, status="stopped", counts={}, message="Onbekende onderneming 'X'")
    table = CliRunner().invoke(cli, ["status", "--state", state])
    assert table.exit_code == 0, table.output
    assert "stopped: Onbekende onderneming 'X'" in table.output
