"""docs/purchase.md's walkthrough: every command it shows is run, in order, on a copy of
examples/purchase, and prints what the page says (times and generated ids aside)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("koppel_afas.sandbox")
pytest.importorskip("koppel_exact_bouw.sandbox")
pytest.importorskip("koppel_exact_online.sandbox")

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "purchase.md"
PROJECT = ROOT / "examples" / "purchase"
#: Where the page copies the project to.
SHOWN = "/tmp/purchase"

#: What differs from run to run: durations, moments, ids the sandboxes generate.
_MASKS = (
    (re.compile(r"in \d+\.\d s\b"), "in N s"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(\+00:00)?"), "<time>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
)


def steps() -> list[tuple[str, list[str]]]:
    """(command, the lines the page shows it print) of every console block of the
    walkthrough, in order."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Walkthrough\n", 1)[1].split("\n## ", 1)[0]
    found: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, flags=re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            else:
                found[-1][1].append(line)
    return found


def masked(lines: list[str]) -> list[str]:
    result = []
    for line in lines:
        for pattern, stand_in in _MASKS:
            line = pattern.sub(stand_in, line)
        result.append(line.rstrip())
    return result


def test_the_walkthrough_prints_what_the_page_shows(tmp_path: Path) -> None:
    work = tmp_path / "purchase"
    koppel_bin = Path(sys.executable).parent
    env = {key: value for key, value in os.environ.items() if not key.startswith("KOPPEL_STATE")}
    env["PATH"] = f"{koppel_bin}{os.pathsep}{env.get('PATH', '')}"
    ran = []
    for command, shown in steps():
        if command == f"cp -r examples/purchase {SHOWN}":
            shutil.copytree(PROJECT, work)
            continue
        if command == f"cd {SHOWN}":
            continue
        answer = subprocess.run(
            command,
            shell=True,
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
            check=False,
        )
        printed = answer.stdout.replace(str(work), SHOWN).splitlines()
        assert masked(printed) == masked(shown), f"$ {command}\n{answer.stdout}"
        ran.append(command)
    assert len(ran) >= 15 and any("bookings-1-to-exact-online" in c for c in ran)
