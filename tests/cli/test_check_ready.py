"""``koppel check`` is "ready" only when the flow can run: credentials set, store reachable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from koppel.cli import cli

FLOW = """
source = "shop"
target = "books"
entity = "customers"
state = "{state}"

[connections.shop]
system = "shop"
credentials = {{ token = "env:KOPPEL_TEST_CHECK_TOKEN" }}

[connections.books]
system = "books"
"""


@pytest.fixture(autouse=True)
def _systems(flow_env: Any) -> None:
    """The in-memory systems shop and books (the fixture's state store is not used)."""


def write(tmp_path: Path, state: str = "state.sqlite3") -> Path:
    flow = tmp_path / "f.toml"
    flow.write_text(FLOW.format(state=state))
    return flow


def test_an_unset_credential_variable_is_a_problem_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KOPPEL_TEST_CHECK_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["check", str(write(tmp_path))])
    assert result.exit_code == 2
    assert "environment variable KOPPEL_TEST_CHECK_TOKEN is not set" in result.output
    assert "ready" not in result.output


def test_an_unreachable_state_store_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("KOPPEL_TEST_CHECK_TOKEN", "set")
    flow = write(tmp_path, state="postgresql://koppel@127.0.0.1:9/koppel")
    result = CliRunner().invoke(cli, ["check", str(flow)])
    assert result.exit_code == 2
    assert "FAIL  state store: cannot reach the state store" in result.output


def test_a_ready_flow_creates_no_store_and_json_has_the_documented_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOPPEL_TEST_CHECK_TOKEN", "set")
    result = CliRunner().invoke(cli, ["check", "--json", str(write(tmp_path))])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert set(document) == {"file", "flow", "ready", "problems", "checks"}
    assert document["ready"] is True and document["problems"] == 0
    assert {"check", "ok", "note", "error"} == set(document["checks"][0])
    (store,) = [c for c in document["checks"] if c["check"] == "state store"]
    assert store["ok"] and "created by the first run" in store["note"]
    assert not (tmp_path / "state.sqlite3").exists()
