"""koppel run, plan, check, parked, log, purge and state over two in-memory systems."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

import koppel.state
from koppel.errors import FlowFileError
from koppel.flows import load_flow
from koppel.records import OrderType


def products(env: Any, count: int = 100, bad: int | None = None) -> None:
    for n in range(count):
        price = "abc" if n == bad else f"{n}.25"
        env.shop.put(
            "products", f"p{n}", {"sku": f"S{n}", "name": f"P{n}", "price_excl_vat": price}
        )


def test_run_prints_the_summary_and_exits_1_when_a_record_failed(flow_env: Any) -> None:
    products(flow_env, 10, bad=3)
    flow = flow_env.write("products")
    result = flow_env.invoke("run", str(flow))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    header = lines.index("created  updated  deleted  skipped  failed  parked")
    assert lines[header + 1].split() == ["9", "0", "0", "0", "1", "1"]
    assert "failed p3: Product.price_excl_vat" in result.output


def test_run_second_time_over_unchanged_data_writes_nothing(flow_env: Any) -> None:
    products(flow_env, 5)
    flow = flow_env.write("products")
    assert flow_env.invoke("run", str(flow)).exit_code == 0
    again = flow_env.invoke("run", "--full", str(flow))
    assert again.exit_code == 0
    assert len(flow_env.books.writes) == 5


def test_parked_retry_lands_the_fixed_record_once(flow_env: Any) -> None:
    products(flow_env, 100, bad=41)
    flow = flow_env.write("products")
    assert flow_env.invoke("run", str(flow)).exit_code == 1
    assert len(flow_env.books.rows("products")) == 99
    listed = flow_env.invoke("parked", "list", str(flow), "--json")
    (parked,) = [json.loads(line) for line in listed.output.splitlines()]
    assert parked["record"] == "p41" and "price_excl_vat" in parked["message"]

    flow_env.shop.put("products", "p41", {"sku": "S41", "name": "P41", "price_excl_vat": "1.00"})
    retried = flow_env.invoke("parked", "retry", str(flow))
    assert retried.exit_code == 0, retried.output
    assert "1 parked record(s)" in retried.output
    assert len(flow_env.books.rows("products")) == 100
    assert len(flow_env.books.writes) == 100
    assert "no parked records" in flow_env.invoke("parked", "list", str(flow)).output


def test_parked_discard_gives_up_on_a_record(flow_env: Any) -> None:
    products(flow_env, 2, bad=0)
    flow = flow_env.write("products")
    flow_env.invoke("run", str(flow))
    listed = flow_env.invoke("parked", "list", "--json")
    parked_id = json.loads(listed.output)["id"]
    assert flow_env.invoke("parked", "discard", str(parked_id)).exit_code == 0
    assert "no parked records" in flow_env.invoke("parked", "list").output
    log = flow_env.invoke("log", "--json")
    assert "discard" in [json.loads(line)["action"] for line in log.output.splitlines()]


def test_run_dry_run_and_plan_write_nothing(flow_env: Any) -> None:
    flow_env.shop.put("customers", "c1", {"name": "Old", "email": "a@example.com"})
    flow = flow_env.write()
    assert flow_env.invoke("run", str(flow)).exit_code == 0
    flow_env.shop.put("customers", "c1", {"name": "New", "email": "a@example.com"})
    flow_env.shop.put("customers", "c2", {"name": "Second", "email": "b@example.com"})
    with koppel.state.open_state(flow_env.state) as store:
        before = store.get_bindings("shop", "books", "customers", ["c1"])["c1"]
        cursor = store.get_cursor("shop-customers", "customers")

    dry = flow_env.invoke("run", "--dry-run", str(flow))
    assert dry.exit_code == 0 and "dry run" in dry.output
    plan = flow_env.invoke("plan", str(flow))
    assert plan.exit_code == 0, plan.output
    assert "~ update c1 -> books-1" in plan.output
    assert '~ name: "Old" -> "New"' in plan.output
    assert "+ create c2" in plan.output and '  email: "b@example.com"' in plan.output
    assert "plan: 1 to create, 1 to update, 0 to delete, 0 unchanged, 0 failing" in plan.output

    assert len(flow_env.books.writes) == 1
    with koppel.state.open_state(flow_env.state) as store:
        assert store.get_bindings("shop", "books", "customers", ["c1", "c2"]) == {"c1": before}
        assert store.get_cursor("shop-customers", "customers") == cursor


def test_check_passes_a_good_flow_and_names_unsupported_order_types(flow_env: Any) -> None:
    flow = flow_env.write("orders", 'order_type = "invoice"')
    ok = flow_env.invoke("check", str(flow), state=False)
    assert ok.exit_code == 0, ok.output
    assert "ok    books accepts order type invoice" in ok.output
    flow_env.books.order_types = (OrderType.QUOTE, OrderType.ORDER)
    bad = flow_env.invoke("check", str(flow), state=False)
    assert bad.exit_code == 2
    assert "does not support order type 'invoice'; it supports: quote, order" in bad.output


def test_check_names_an_entity_the_target_cannot_write(flow_env: Any) -> None:
    flow = flow_env.write("invoices")
    result = flow_env.invoke("check", str(flow), state=False)
    assert result.exit_code == 2
    assert "system shop cannot read 'invoices'; it can read: customers" in result.output


def test_check_reports_a_mapping_that_does_not_compile(flow_env: Any) -> None:
    flow = flow_env.write("customers", '[mapping.outbound]\nname = "upper(("')
    # The expression is the flow file's, so loading the flow file fails, naming it.
    with pytest.raises(FlowFileError, match=r"mapping\.outbound\.name: invalid expression"):
        flow_env.invoke("check", str(flow), state=False)


def test_check_names_an_unknown_key_in_a_mapping_rule(flow_env: Any) -> None:
    flow = flow_env.write(
        "customers", '[mapping.outbound]\nname = { expr = "name", wirte = "create_only" }'
    )
    result = flow_env.invoke("check", str(flow), state=False)
    assert result.exit_code == 2
    assert "FAIL  outbound mapping of books" in result.output
    assert "unknown key(s) wirte" in result.output and "name" in result.output


def test_log_filters_by_failed_and_record_and_prints_json(flow_env: Any) -> None:
    products(flow_env, 3, bad=1)
    flow = flow_env.write("products")
    flow_env.invoke("run", str(flow))
    failed = flow_env.invoke("log", str(flow), "--failed")
    assert "p1" in failed.output and "p0" not in failed.output
    entry = json.loads(flow_env.invoke("log", str(flow), "--record", "p2", "--json").output)
    assert entry["action"] == "create" and entry["sent"]["sku"] == "S2"
    assert entry["run"] == 1


def test_purge_deletes_old_activity(flow_env: Any) -> None:
    products(flow_env, 3)
    flow_env.invoke("run", str(flow_env.write("products")))
    assert "deleted 0 " in flow_env.invoke("purge", "--older-than", "30d").output
    assert "deleted 3 " in flow_env.invoke("purge", "--older-than", "0s").output
    bad = flow_env.invoke("purge", "--older-than", "soon")
    assert bad.exit_code == 2 and "expected a duration" in bad.output


def test_state_show_and_reset(flow_env: Any) -> None:
    products(flow_env, 4, bad=2)
    flow = flow_env.write("products")
    flow_env.invoke("run", str(flow))
    shown = flow_env.invoke("state", "show", str(flow)).output
    assert "cursor   4" in shown and "bindings 3" in shown and "parked   1" in shown
    flow_env.invoke("state", "reset", str(flow), "--yes")
    shown = flow_env.invoke("state", "show", str(flow)).output
    assert "cursor   (none" in shown and "bindings 3" in shown and "parked   0" in shown
    flow_env.invoke("state", "reset", str(flow), "--yes", "--bindings")
    assert "bindings 0" in flow_env.invoke("state", "show", str(flow)).output
    # everything is found again by SKU: no duplicate, no write
    flow_env.invoke("run", str(flow))
    assert len(flow_env.books.rows("products")) == 3
    assert len(flow_env.books.writes) == 3


def test_flow_file_state_path_is_relative_to_the_file(flow_env: Any) -> None:
    flow = flow_env.write("products", 'state = "here.sqlite3"')
    assert load_flow(flow).state_location() == str(flow.parent / "here.sqlite3")


def test_run_progress_redraws_one_line_on_a_terminal() -> None:
    import io

    from koppel.cli.run import Progress
    from koppel.engine import RecordOutcome
    from koppel.sync import Action

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress(stream, interval=0)
    progress.fetched(3)
    progress.processed(RecordOutcome(source_id="a", action=Action.CREATE))
    progress.processed(RecordOutcome(source_id="b", action=Action.FAIL, message="bad"))
    progress.close()
    shown = stream.getvalue()
    assert "fetched 3  processed 2" in shown and "/s  0:00" in shown
    assert shown.endswith("\r\x1b[K")
    assert [o.source_id for o in progress.failures] == ["b"]
    quiet = io.StringIO()
    Progress(quiet).fetched(5)
    assert quiet.getvalue() == ""


def test_log_table_shows_what_came_in_and_went_out(flow_env: Any) -> None:
    products(flow_env, 2)
    flow = flow_env.write("products")
    flow_env.invoke("run", str(flow))
    header, *rows = flow_env.invoke("log", str(flow)).output.splitlines()
    assert header.split()[-3:] == ["in", "out", "message"]
    assert len(rows) == 2
    row = next(r for r in rows if " p1 " in r)
    assert "sku=S1" in row  # in the source record and in the payload


def test_log_details_prints_each_record_whole(flow_env: Any) -> None:
    products(flow_env, 2, bad=1)
    flow = flow_env.write("products")
    flow_env.invoke("run", str(flow))
    out = flow_env.invoke("log", str(flow), "--details", "--failed").output
    assert " p1 " in out and " p0 " not in out
    assert "  message: " in out and "  in:\n" in out


def test_log_summary_keeps_it_short() -> None:
    from koppel.cli.log import summarise

    assert summarise(None) == "-"
    assert summarise({"lines": [1], "Number": 1036, "Name": "x" * 40, "a": 1, "b": 2}) == (
        "Number=1036 Name=" + "x" * 23 + "… a=1 b=2"
    )
    assert summarise({"nested": {"a": 1}}) == "{…}"


def test_run_of_a_flow_that_is_running_stops_naming_the_run(flow_env: Any) -> None:
    """(``koppel``'s exit status 2 for it: tests/e2e/test_concurrent_runs.py.)"""
    from koppel.errors import FlowBusyError
    from koppel.state import open_state

    products(flow_env, 2)
    flow = flow_env.write("products")
    flow_name = load_flow(flow).name
    with open_state(flow_env.state) as store, store.run_lock(flow_name):
        store.start_run(flow_name)
        with pytest.raises(FlowBusyError) as busy:
            flow_env.invoke("run", str(flow))
        assert str(busy.value).startswith(f"flow {flow_name} is running since ")
        assert f"pid {os.getpid()}" in str(busy.value)
    assert flow_env.books.rows("products") == {}
    done = flow_env.invoke("run", str(flow))  # the holder is gone: its run closes as crashed
    assert done.exit_code == 0
    shown = flow_env.invoke("state", "show", str(flow)).output
    assert "crashed" in shown and "the process ended during the run" in shown
    assert f"{os.getpid()} on " in shown
