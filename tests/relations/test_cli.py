"""``koppel relations ...`` on the example flows against the sandboxes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from defusedxml import ElementTree

from koppel.cli import cli
from koppel.errors import StateError

EXAMPLES = Path(__file__).parents[2] / "examples"
XML = str(EXAMPLES / "easyparty-relations-xml.toml")
DIRECT = str(EXAMPLES / "easyparty-relations-to-exact-online.toml")
#: ``koppel relations ARGS... --state <the test's>``, checked for an exit code.
Koppel = Callable[..., Result]


@pytest.fixture
def koppel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Koppel:
    monkeypatch.delenv("EASYPARTY_API_KEY", raising=False)  # --sandbox gives the key
    state = str(tmp_path / "state.sqlite3")
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> Result:
        result = runner.invoke(cli, ["relations", *args, "--state", state])
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_cli_fetch_list_number_and_set_action(koppel: Koppel) -> None:
    fetched = koppel("fetch", "--sandbox", XML)
    assert "40 new, 0 changed, 0 unchanged; queued: 38 (38 insert, 0 update)" in fetched.output
    assert "numbered 1021:debtor: 20000" in fetched.output
    assert "... and 8 more numbered" in fetched.output
    assert "2 relation(s) wait for a number" in fetched.output

    waiting = koppel("list", "--waiting", XML).output.splitlines()
    assert [line.split()[0] for line in waiting[1:]] == ["1040:creditor", "1030:debtor"]
    assert koppel("number", "--sandbox", XML, "1030:debtor").output == "1030:debtor: 20016\n"
    assert koppel("number", "--sandbox", XML, "1030:debtor").output == "1030:debtor: 20016\n"
    assert koppel("number", "--sandbox", XML, "1040:creditor").output == "1040:creditor: 80002\n"

    assert (
        "2 relation(s) set to update"
        in koppel("set-action", XML, "update", "1001:debtor", "1002:debtor").output
    )
    missing = koppel("set-action", XML, "update", "9999:debtor", code=1)
    assert "not in the queue of 'easyparty-relations-xml': 9999:debtor" in str(missing.exception)
    assert isinstance(missing.exception, StateError)  # koppel exits 2: fix the command
    rows = [json.loads(line) for line in koppel("list", "--json", XML).output.splitlines()]
    assert len(rows) == 40
    actions = {row["relation"]: row["action"] for row in rows}
    assert actions["1001:debtor"] == "update" and actions["1003:debtor"] == "insert"
    assert rows[0]["data"]["number"] == rows[0]["number"]


def test_cli_xml_export_all_or_nothing_history_and_mark(koppel: Koppel, tmp_path: Path) -> None:
    koppel("fetch", "--sandbox", XML)
    trial = koppel("export", "--trial", XML)
    assert "export 1 (trial): 37 account(s) in " in trial.output
    failed = koppel("export", "--sandbox", XML, code=1)
    assert "export 2 (failed): 0 account(s) in " in failed.output
    assert "nothing was exported: fix these relations, or export again without them" in (
        failed.output
    )
    assert "failed 1012:debtor: country 'Nederland' is no ISO 3166 code" in failed.output
    empty = Path(failed.output.split(" in ", 1)[1].splitlines()[0].strip())
    assert ElementTree.parse(empty).getroot().findall("Accounts/Account") == []

    done = koppel("export", XML, "--without", "1012:debtor")
    assert "export 3 (ok): 37 account(s) in " in done.output
    path = Path(done.output.split(" in ", 1)[1].strip())
    assert path.parent == tmp_path / "exports"
    assert len(ElementTree.parse(path).getroot().findall("Accounts/Account")) == 37
    left = koppel("list", XML).output.splitlines()
    assert len(left) == 2 and left[1].startswith("1012:debtor")
    assert "country 'Nederland'" in left[1]

    history = koppel("history", XML).output.splitlines()
    assert history[0].split() == ["id", "time", "result", "accounts", "import", "note", "file"]
    assert [line.split()[3:5] for line in history[1:]] == [
        ["ok", "37"],
        ["failed", "0"],
        ["trial", "37"],
    ]
    rows = koppel("history", "--rows", "2", XML).output.splitlines()
    assert len(rows) == 39 and rows[1].split()[:3] == ["1001:debtor", "10000", "insert"]

    refused = koppel("mark", XML, "1", "ok", code=1)
    assert "export 1 is a trial export" in str(refused.exception)
    marked = koppel("mark", XML, "3", "failed", "--note", "wrong ledger")
    assert marked.output == "export 3 marked failed: 37 relation(s) are back in the queue\n"
    assert "the import of export 3 failed: wrong ledger" in koppel("list", XML).output
    nothing = koppel("export", XML, "--without", "1012:debtor", "1012:debtor", code=1)
    assert "nothing to export" in str(nothing.exception)


def test_cli_direct_export_syncs_the_named_rows_and_exits_1_on_failures(
    koppel: Koppel, tmp_path: Path
) -> None:
    koppel("fetch", "--sandbox", DIRECT)
    koppel("set-action", DIRECT, "update", "1001:debtor")
    named = ("1001:debtor", "1002:debtor", "1003:debtor")
    result = koppel("export", "--sandbox", DIRECT, *named, code=1)
    assert "synced 2, failed 1" in result.output
    assert "failed 1001:debtor: exact-online has no relation numbered 10000 to update" in (
        result.output
    )
    left = koppel("list", DIRECT).output.splitlines()
    assert len(left) == 1 + 38 - 2 and left[1].startswith("1008:creditor")
    (row,) = [line for line in left if line.startswith("1001:debtor")]
    assert "has no relation numbered 10000 to update" in row

    # the sandboxes are kept beside the state: the next command continues from them
    koppel("set-action", DIRECT, "insert", "1001:debtor")
    again = koppel("export", "--sandbox", DIRECT, "1001:debtor", "1002:debtor", code=1)
    assert "not in the queue of 'easyparty-relations-to-exact-online': 1002:debtor" in str(
        again.exception
    )
    assert "synced 1, failed 0" in koppel("export", "--sandbox", DIRECT, "1001:debtor").output
    assert (tmp_path / "state.sqlite3.sandboxes").exists()
