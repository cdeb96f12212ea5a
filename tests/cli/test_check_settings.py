"""``koppel check`` names a connection setting the system does not know, and the one
it resembles (the run ignores it)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from koppel.cli import cli

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_a_misspelt_setting_is_named_with_the_setting_it_resembles(tmp_path: Path) -> None:
    flow = tmp_path / "commitments.toml"
    flow.write_text(
        (EXAMPLES / "afas-commitments.toml")
        .read_text()
        .replace("full_reload_deletions = true", "full_reload_deletion = true, colour = 1")
    )
    result = CliRunner().invoke(cli, ["check", str(flow)], env={"AFAS_TOKEN": "t"})
    assert (
        "settings of afas (not known to afas: colour, full_reload_deletion "
        "(did you mean full_reload_deletions?))" in result.output
    ), result.output
