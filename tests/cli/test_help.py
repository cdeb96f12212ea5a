"""``koppel --help`` ends with the commands by task; every example names a real command."""

from __future__ import annotations

import re

from click.testing import CliRunner

from koppel.cli import COMMANDS, EPILOG, cli


def test_help_groups_the_commands_by_task_with_examples_of_real_commands() -> None:
    output = CliRunner().invoke(cli, ["--help"]).output
    for task in ("run", "inspect", "fix", "set up"):
        assert re.search(rf"^\s+{task}\s+koppel ", output, re.MULTILINE), task
    named = set(re.findall(r"koppel ([a-z]+)", EPILOG))
    assert named and named <= set(COMMANDS)
