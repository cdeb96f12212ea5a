"""Commands that only read never create a state store; a missing one is exit 2 naming it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from koppel.cli import EXIT_CONFIG, main
from koppel.state._engine import default_state_path

READERS = [
    ["log"],
    ["parked", "list"],
    ["parked", "discard", "1"],
    ["commitments", "list"],
    ["bookings", "list"],
    ["status"],
]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_read_command_on_a_missing_store_is_exit_2_and_creates_nothing(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "koppel-sandbx.sqlite3"
    code, err = run_main([*command, "--state", str(missing)], capsys)
    assert code == EXIT_CONFIG
    assert f"no state store at {missing}" in err
    assert not (tmp_path / "no").exists()


def test_state_show_of_a_flow_never_run_creates_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = tmp_path / "f.toml"
    flow.write_text(
        'source = "a"\ntarget = "b"\nentity = "products"\nstate = "kept.sqlite3"\n'
        '[connections.a]\nsystem = "folder"\n[connections.b]\nsystem = "folder"\n'
    )
    code, err = run_main(["state", "show", str(flow)], capsys)
    assert code == EXIT_CONFIG and "kept.sqlite3" in err
    assert not (tmp_path / "kept.sqlite3").exists()


def test_the_default_store_missing_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_main(["log"], capsys)
    assert code == EXIT_CONFIG and str(default_state_path()) in err
    assert not default_state_path().exists()


def test_tests_keep_the_default_store_out_of_the_users_home(tmp_path: Path) -> None:
    home_data = Path.home() / ".local" / "share"
    assert not default_state_path().is_relative_to(home_data)
    assert default_state_path().is_relative_to(tmp_path.parent.parent)


def test_postgresql_without_psycopg_names_the_extra_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg raises ImportError
    code, err = run_main(["log", "--state", "postgresql://koppel@127.0.0.1:9/koppel"], capsys)
    assert code == EXIT_CONFIG
    assert "pip install 'koppel[postgres]'" in err and "internal error" not in err


def test_after_a_sandbox_run_the_missing_default_store_points_at_the_sandboxes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "koppel-sandbox.sqlite3").touch()
    code, err = run_main(["parked", "list"], capsys)
    assert code == EXIT_CONFIG
    assert "add --state koppel-sandbox.sqlite3" in err
