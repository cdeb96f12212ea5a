"""Shell completion, as docs/getting-started.md sets it up, completes commands and subcommands."""

from __future__ import annotations

import pytest

from koppel.cli import main


def complete(
    words: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    monkeypatch.setenv("_KOPPEL_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(words.split()) - 1))
    with pytest.raises(SystemExit):
        main([])
    return capsys.readouterr().out


def test_commands_and_subcommands_complete(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "plain,parked" in complete("koppel par", monkeypatch, capsys).splitlines()
    assert "plain,retry" in complete("koppel parked re", monkeypatch, capsys).splitlines()
