"""``koppel commitments list|match`` (the register as a table or JSON lines, an operator's
choice) and ``koppel bookings show`` on a missing store."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from koppel.cli import cli
from koppel.records import Commitment
from koppel.state import StateStore
from koppel.testing import StateTarget


def fill(store: StateStore) -> None:
    store.save_commitment(
        Commitment(
            code="VP-1",
            administration="acme",
            supplier="CRED-2001",
            delivery_notes=("LB-1", "LB-2"),
            amount=Decimal("1000.00"),
            open_amount=Decimal("250.00"),
        ),
        source_system="afas",
        source_id="11",
    )
    store.save_commitment(
        Commitment(code="VP-2", administration="other", handled=True, amount=Decimal(5)),
        source_system="afas",
        source_id="12",
    )


def list_command(state_at: StateTarget, *options: str) -> str:
    result = CliRunner().invoke(
        cli, ["commitments", "list", "--state", state_at.location, *options]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_list_shows_every_commitment_as_a_table(store: StateStore, state_at: StateTarget) -> None:
    fill(store)
    header, first, second = list_command(state_at).splitlines()
    assert header.split()[:3] == ["id", "administration", "code"]
    assert "VP-1" in first and "LB-1, LB-2" in first and "1000.00 EUR" in first
    assert "afas:11" in first
    assert "VP-2" in second and "yes" in second


def test_list_open_as_json_lines(store: StateStore, state_at: StateTarget) -> None:
    fill(store)
    (line,) = list_command(state_at, "--open", "--json").splitlines()
    row = json.loads(line)
    assert (row["code"], row["open_amount"], row["source_system"], row["source_id"]) == (
        "VP-1",
        "250.00",
        "afas",
        "11",
    )
    assert row["delivery_notes"] == ["LB-1", "LB-2"]


def test_list_narrows_by_administration_and_says_when_empty(
    store: StateStore, state_at: StateTarget
) -> None:
    fill(store)
    assert "VP-2" in list_command(state_at, "--administration", "other")
    assert list_command(state_at, "--supplier", "NOBODY", "--open") == "no commitments open\n"


def test_match_refuses_a_commitment_not_in_the_register_or_a_bad_amount(
    store: StateStore, state_at: StateTarget
) -> None:
    fill(store)
    runner = CliRunner()
    for chosen, message in (
        ("99", "commitment 99 is not in the register"),
        ("VP-9", "'VP-9' is no register id, nor the code or reference of a commitment"),
        (":5", "give a commitment's register id or code"),
        ("1:-5", "'-5' is not a positive amount"),
        ("1:abc", "'abc' is not a positive amount"),
    ):
        answer = runner.invoke(
            cli, ["commitments", "match", "CRED-2001/F-1", chosen, "--state", state_at.location]
        )
        assert answer.exit_code == 2 and message in answer.output, answer.output
    assert store.chosen_commitments("CRED-2001/F-1") is None
    answer = runner.invoke(
        cli, ["commitments", "match", "CRED-2001/F-1", "1:10.50", "2", "--state", state_at.location]
    )
    assert answer.exit_code == 0 and "the choice waits for it" in answer.output
    assert store.chosen_commitments("CRED-2001/F-1") == [(1, Decimal("10.50")), (2, None)]
    # A commitment's code (or reference) names it too, when it is one commitment's.
    answer = runner.invoke(
        cli, ["commitments", "match", "CRED-2001/F-1", "vp-2:7", "--state", state_at.location]
    )
    assert answer.exit_code == 0 and "commitment 2 for 7" in answer.output
    store.save_commitment(
        Commitment(code="VP-2", administration="acme"), source_system="bouw", source_id="13"
    )
    answer = runner.invoke(
        cli, ["commitments", "match", "CRED-2001/F-1", "VP-2", "--state", state_at.location]
    )
    assert answer.exit_code == 2
    assert (
        "'VP-2' is the code or reference of 2 commitments in the register: 2 (afas), 3 (bouw)"
        in (answer.output)
    )


def test_bookings_show_on_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "state.sqlite3"
    answer = CliRunner().invoke(cli, ["bookings", "show", "1", "--state", str(missing)])
    assert answer.exit_code != 0 and not (tmp_path / "no").exists()
