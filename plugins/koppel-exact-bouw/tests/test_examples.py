"""The example flows examples/exact-bouw-*.toml against the sandboxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from koppel.cli import cli
from koppel.engine import run_flow
from koppel.flows import load_flow
from koppel.plugins import get_plugin_manager
from koppel.state import open_state
from koppel_exact_bouw.sandbox import DEMO_API_KEY, make_sandbox

EXAMPLES = Path(__file__).parents[3] / "examples"


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("EXACT_BOUW_API_KEY", raising=False)  # the sandboxes give their own
    monkeypatch.delenv("EXACT_CLIENT_ID", raising=False)
    monkeypatch.delenv("EXACT_CLIENT_SECRET", raising=False)


def test_relations_example_runs_with_koppel_run_sandbox(tmp_path: Path) -> None:
    pytest.importorskip("koppel_exact_online")
    example = EXAMPLES / "exact-bouw-relations-to-exact-online.toml"
    state = str(tmp_path / "state.sqlite3")
    runner = CliRunner()
    first = runner.invoke(cli, ["run", "--sandbox", "--state", state, str(example)])
    assert first.exit_code == 0, first.output
    assert "8        0        0        0        0       0" in first.output  # 8 created


def test_commitments_example_runs_with_koppel_run_sandbox(tmp_path: Path) -> None:
    example = EXAMPLES / "exact-bouw-commitments.toml"
    state = str(tmp_path / "state.sqlite3")
    done = CliRunner().invoke(cli, ["run", "--sandbox", "--state", state, str(example)])
    assert done.exit_code == 0, done.output
    assert "12       0        0        0        0       0" in done.output  # 12 created
    with open_state(state) as store:
        assert len(store.commitments()) == 12


def test_commitments_example_fills_the_register_then_reads_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXACT_BOUW_API_KEY", DEMO_API_KEY)  # a run, not a --sandbox run
    flow = load_flow(EXAMPLES / "exact-bouw-commitments.toml")
    manager = get_plugin_manager()
    sandbox = make_sandbox()
    transports = {"bouw": sandbox.transport()}
    with open_state(str(tmp_path / "state.sqlite3")) as store:
        first = run_flow(flow, store, manager=manager, transports=transports)
        again = run_flow(flow, store, manager=manager, transports=transports)
    assert first.counts["created"] == 12 and first.counts["failed"] == 0
    assert again.fetched == 1 and again.counts["created"] == again.counts["updated"] == 0
