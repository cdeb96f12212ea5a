"""On a fresh install (koppel and two plugins in a new virtualenv): a project from the
examples, then run, plan, parked retry and the log on the sandboxes, by flow name."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ORDERS = "eaccounting-orders-to-accountview"


def test_a_project_from_the_examples_walks_on_the_sandboxes(
    fresh_venv: Callable[[str], Any], tmp_path: Path
) -> None:
    env = fresh_venv("walk")
    env.install(
        ROOT, ROOT / "plugins" / "koppel-eaccounting", ROOT / "plugins" / "koppel-accountview"
    )
    project = tmp_path / "project"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KOPPEL_", "EACCOUNTING_"))}

    def koppel(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [env.bin / "koppel", *args],
            cwd=project,
            env=clean,
            capture_output=True,
            text=True,
            timeout=120,
        )

    project.mkdir()
    init = koppel("init", "--flows-from", str(ROOT / "examples"))
    assert init.returncode == 0, init.stderr
    assert (project / "koppel.toml").is_file() and (project / "flows" / f"{ORDERS}.toml").is_file()

    run = koppel("run", "--sandbox", ORDERS)
    assert run.returncode == 1, run.stderr  # order 1036 is parked
    assert "11       0        0        0        1       1" in run.stdout
    plan = koppel("plan", "--sandbox", ORDERS)
    assert plan.returncode == 0, plan.stderr
    assert "plan: 0 to create" in plan.stdout
    retry = koppel("parked", "retry", "--sandbox", ORDERS)
    assert retry.returncode == 1 and "1 parked record(s)" in retry.stdout
    log = koppel("log", "--state", "koppel-sandbox.sqlite3", "--failed", "--json")
    assert log.returncode == 0 and log.stdout.count('"action": "fail"') == 2
    assert not (project / "state.sqlite3").exists()  # sandboxes never touch the real state
