"""``koppel init``: a project with a loadable example flow per pair of installed systems."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from koppel.cli import cli
from koppel.cli._project import find_project
from koppel.flows import load_flow


def test_init_writes_a_project_whose_flows_load_and_whose_env_names_their_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("koppel_eaccounting")
    pytest.importorskip("koppel_accountview")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    project = find_project(tmp_path)
    assert project is not None and project.state == str(tmp_path / "state.sqlite3")
    flows = [load_flow(path) for path in project.flow_files()]
    names = {flow.name for flow in flows}
    assert "eaccounting-orders-to-accountview" in names
    assert "accountview-products-to-eaccounting" in names
    listed = json.loads(CliRunner().invoke(cli, ["flows", "--json"]).output)
    assert not [f for f in listed["flows"] if f["error"]]
    referenced = {
        str(value)[4:]
        for flow in flows
        for c in (flow.source, flow.target)
        for value in c.credentials.values()
    }
    env = set(re.findall(r"^([A-Z0-9_]+)=$", (tmp_path / ".env").read_text(), re.MULTILINE))
    assert referenced and referenced <= env
    assert ".env" in (tmp_path / ".gitignore").read_text().split()

    # A sandbox refuses CHANGE-ME (AccountView: an unknown company): the header says so.
    header = (tmp_path / "flows" / "eaccounting-orders-to-accountview.toml").read_text()
    assert "first set CHANGE-ME to the sandbox's values" in header.splitlines()[1]
    assert 'company = "CHANGE-ME"' in header

    again = CliRunner().invoke(cli, ["init"])
    assert again.exit_code != 0 and "a project already" in str(again.exception)
