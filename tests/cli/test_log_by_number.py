"""``koppel log --record`` finds a record with a long id by the number the table shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from koppel.cli import cli

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_the_parked_demo_order_is_found_by_its_number_as_by_its_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("koppel_eaccounting")
    pytest.importorskip("koppel_accountview")
    monkeypatch.chdir(tmp_path)
    state = str(tmp_path / "s.sqlite3")
    flow = str(EXAMPLES / "eaccounting-orders-to-accountview.toml")
    runner = CliRunner()
    assert runner.invoke(cli, ["run", "--sandbox", "--state", state, flow]).exit_code == 1

    by_number = runner.invoke(cli, ["log", "--state", state, "--record", "1036"])
    assert by_number.exit_code == 0, by_number.output
    rows = by_number.output.splitlines()[1:]
    assert len(rows) == 1 and "1036/9f17cf65…" in rows[0] and "AV-9999" in rows[0]
    by_id = runner.invoke(
        cli, ["log", "--state", state, "--record", "9f17cf65-d74a-598f-92ac-ac6faaef883d"]
    )
    assert by_id.output == by_number.output
    # A number no record has, and the start of one, find nothing.
    for other in ("1037x", "103"):
        assert runner.invoke(cli, ["log", "--state", state, "--record", other]).output == (
            "no activity\n"
        )
