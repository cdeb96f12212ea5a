"""On a fresh install (koppel and two plugins in a new virtualenv), docs/getting-started.md's
project walk works as written: init, run, plan, the lookup that fixes the parked order,
parked retry and status, on the sandboxes."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ORDERS = "eaccounting-orders-to-accountview"
GUIDE = ROOT / "docs" / "getting-started.md"


def documented_walk() -> tuple[list[list[str]], str, list[list[str]]]:
    """The guide's commands before the fix, the lookup table it shows, the commands after."""
    text = GUIDE.read_text().split("`koppel init` starts one", 1)[1]
    blocks = text.split("```")[1::2]
    before, fix, after = blocks[0], blocks[1], blocks[2]
    assert fix.startswith("toml\n")

    def commands(block: str) -> list[list[str]]:
        return [shlex.split(line)[1:] for line in block.splitlines() if line.startswith("koppel ")]

    return commands(before), fix.removeprefix("toml\n"), commands(after)


def test_the_documented_project_walk_runs_in_a_fresh_venv(
    fresh_venv: Callable[[str], Any], tmp_path: Path
) -> None:
    env = fresh_venv("walk")
    env.install(
        ROOT, ROOT / "plugins" / "koppel-eaccounting", ROOT / "plugins" / "koppel-accountview"
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "examples").symlink_to(ROOT / "examples")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KOPPEL_", "EACCOUNTING_"))}

    def koppel(args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [env.bin / "koppel", *args],
            cwd=project,
            env=clean,
            capture_output=True,
            text=True,
            timeout=120,
        )

    before, fix, after = documented_walk()
    assert [c[0] for c in before] == ["init", "run", "plan"]
    assert [c[0] for c in after] == ["parked", "status"]
    init, run, plan = (koppel(c) for c in before)
    assert init.returncode == 0, init.stderr
    assert (project / "koppel.toml").is_file() and (project / "flows" / f"{ORDERS}.toml").is_file()
    assert run.returncode == 1, run.stderr  # order 1036 is parked
    assert "11       0        0        0        1       1" in run.stdout
    assert "AV-9999" in run.stdout
    assert plan.returncode == 0, plan.stderr
    assert "plan: 0 to create" in plan.stdout and "1 failing" in plan.stdout

    # the fix, as the guide shows it: the line added to the flow's empty lookup table
    flow = project / "flows" / f"{ORDERS}.toml"
    header = fix.splitlines()[0]
    assert header in flow.read_text()
    flow.write_text(flow.read_text().replace(header, fix.strip()))

    retry, status = (koppel(c) for c in after)
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert "1        0        0        0        0       0" in retry.stdout  # created, landed
    assert status.returncode == 0, status.stderr
    assert ORDERS in status.stdout
    log = koppel(["log", "--state", "koppel-sandbox.sqlite3", "--json"])
    assert log.stdout.count('"action": "create"') == 12  # the 11, then 1036 once
    assert not (project / "state.sqlite3").exists()  # sandboxes never touch the real state
