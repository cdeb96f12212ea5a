"""``koppel run --sandbox`` with the three example flows, then ``koppel log``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from koppel.cli import cli
from koppel.cli.run import SANDBOX_STATE

from .conftest import EXAMPLES, MAIN_FLOWS

HEADER = "created  updated  deleted  skipped  failed  parked"


def counts(result: Result) -> list[list[int]]:
    """Every summary's counters, in the order printed."""
    lines = result.output.splitlines()
    return [[int(n) for n in lines[i + 1].split()] for i, x in enumerate(lines) if x == HEADER]


def test_run_sandbox_runs_the_examples_parks_one_order_and_log_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    production = tmp_path / "production.sqlite3"
    monkeypatch.setenv("KOPPEL_STATE", str(production))
    runner = CliRunner()
    args = ["run", "--sandbox", *(str(EXAMPLES / f"{name}.toml") for name in MAIN_FLOWS)]

    result = runner.invoke(cli, args)

    assert result.exit_code == 1, result.output  # one parked order
    for name in MAIN_FLOWS:
        assert f"{name}: run " in result.output
    assert counts(result) == [[0, 12, 0, 0, 0, 0], [0, 12, 0, 0, 0, 0], [11, 0, 0, 0, 1, 1]]
    assert "1 product not found in the target: AV-9999" in result.output
    assert f"koppel log --state {SANDBOX_STATE}" in result.output
    assert (tmp_path / SANDBOX_STATE).is_file()
    assert not production.exists()  # a sandbox run never touches the real state

    log = runner.invoke(cli, ["log", "--state", SANDBOX_STATE])
    assert log.exit_code == 0, log.output
    actions = [line.split()[6] for line in log.output.splitlines()[1:]]
    assert actions.count("update") == 24 and actions.count("create") == 11
    (failed,) = [line for line in log.output.splitlines() if " fail " in line]
    assert "eaccounting-orders-to-accountview" in failed and "AV-9999" in failed

    # The next invocation starts afresh (new sandboxes, new state): the same result again.
    again = runner.invoke(cli, args)
    assert again.exit_code == 1, again.output
    assert counts(again) == counts(result)


def test_run_sandbox_with_state_keeps_that_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    flow = str(EXAMPLES / f"{MAIN_FLOWS[1]}.toml")
    runner = CliRunner()
    first = runner.invoke(cli, ["run", "--sandbox", "--state", "mine.sqlite3", flow])
    assert first.exit_code == 0, first.output
    assert not (tmp_path / SANDBOX_STATE).exists()
    log = runner.invoke(cli, ["log", "--state", "mine.sqlite3"])
    assert log.output.count(" update") == 12
