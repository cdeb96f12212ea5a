"""The sandbox walk-through of docs/getting-started.md works as written."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from koppel.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Walk through a flow on the sandboxes"
#: What each documented command exits with: the demo parks one order.
EXPECTED = {"run": 1, "parked list": 0, "plan": 0, "parked retry": 1, "log": 0}


def documented_commands() -> list[list[str]]:
    text = (ROOT / "docs" / "getting-started.md").read_text()
    block = text.split(SECTION, 1)[1].split("```", 2)[1]
    return [shlex.split(line)[1:] for line in block.splitlines() if line.startswith("koppel ")]


def test_the_walk_through_runs_as_documented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("koppel_accountview")
    pytest.importorskip("koppel_eaccounting")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    commands = documented_commands()
    assert [" ".join(c[:2]) if c[0] == "parked" else c[0] for c in commands] == list(EXPECTED)
    outputs = []
    for argv in commands:
        result = CliRunner().invoke(cli, argv)
        name = " ".join(argv[:2]) if argv[0] == "parked" else argv[0]
        assert result.exit_code == EXPECTED[name], (argv, result.output)
        outputs.append(result.output)
    run, parked, plan, retry, log = outputs
    assert "11       0        0        0        1       1" in run
    assert "AV-9999" in parked
    assert "plan: 0 to create" in plan and "1 failing" in plan
    assert "1 parked record(s) of eaccounting-orders-to-accountview due now" in retry
    assert log.count(" fail ") == 2 and "1036/" in log
