"""The log table: records by their number, tables that fit the terminal, counts in words."""

from __future__ import annotations

from typing import Any

import pytest

from koppel.cli._flowing import print_table, record_label
from koppel.cli.log import summarise

UUID = "9f17cf65-d74a-598f-92ac-ac6faaef883d"


def test_an_order_with_a_uuid_is_named_by_its_number() -> None:
    assert record_label(UUID, {"Id": UUID, "Number": 1036}) == "1036/9f17cf65…"
    assert record_label(UUID, {"Id": UUID}) == UUID
    assert record_label("AV-1001", {"Number": "AV-1001"}) == "AV-1001"


def test_the_in_column_leaves_out_the_id_and_out_shows_a_stock_level() -> None:
    assert summarise({"Id": UUID, "Number": 1036}, leave_out=UUID) == "Number=1036"
    sent = {"Number": "AV-1004", "_on_hand": "8", "_reserved": "8", "_available": "0"}
    assert "_available=0" in summarise(sent)


def test_a_table_fits_the_width_cutting_the_columns_allowed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [("2026-11-25 10:00:00", "x" * 200, "y" * 150)]
    print_table(("at", "in", "message"), rows, width=80, shrink=("in", "message"))
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[1].startswith("2026-11-25 10:00:00  xxx") and "…" in lines[1]


def test_a_table_on_a_pipe_is_not_cut(capsys: pytest.CaptureFixture[str]) -> None:
    print_table(("in",), [("x" * 300,)])
    assert len(capsys.readouterr().out.splitlines()[1]) == 300


def test_the_run_summary_says_1_record(flow_env: Any) -> None:
    flow_env.shop.put("products", "p1", {"sku": "S1", "name": "P1", "price_excl_vat": "1.00"})
    result = flow_env.invoke("run", str(flow_env.write("products")))
    assert ", 1 record in " in result.output
