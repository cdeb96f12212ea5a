"""``koppel install``: pip into koppel's own environment, system names as packages."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from koppel.cli import cli
from koppel.cli.install import requirement


def test_a_system_name_is_its_koppel_package_and_the_rest_stays() -> None:
    assert requirement("eaccounting") == "koppel-eaccounting"
    assert requirement("exact-online") == "koppel-exact-online"
    assert requirement("koppel-afas==1.2") == "koppel-afas==1.2"
    assert requirement("./plugins/koppel-afas") == "./plugins/koppel-afas"


def test_install_runs_pip_of_this_python(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def run(command: list[str], check: bool) -> Any:
        calls.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", run)
    result = CliRunner().invoke(cli, ["install", "-U", "eaccounting", "koppel-afas"])
    assert result.exit_code == 0, result.output
    assert calls == [
        [sys.executable, "-m", "pip", "install", "--upgrade", "koppel-eaccounting", "koppel-afas"]
    ]
    assert "systems: " in result.output


def test_a_failed_pip_is_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        subprocess, "run", lambda command, check: subprocess.CompletedProcess(command, 1)
    )
    result = CliRunner().invoke(cli, ["install", "acme"])
    assert result.exit_code != 0 and "pip could not install acme" in str(result.exception)
