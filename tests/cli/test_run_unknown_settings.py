"""``koppel run`` warns about a connection setting the system does not know, with the
setting it resembles; the run goes on (``koppel check`` notes the same)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from koppel.testing import koppel_command

EXAMPLE = Path(__file__).parents[2] / "examples" / "eaccounting-orders-to-accountview.toml"


def test_run_warns_about_a_misspelt_connection_setting(
    tmp_path: Path,
) -> None:
    pytest.importorskip("koppel_eaccounting")
    pytest.importorskip("koppel_accountview")
    flow = tmp_path / "flow.toml"
    flow.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace(
            'settings = { redirect_uri = "http://127.0.0.1:8765/callback" }',
            'settings = { redirect_uri = "http://127.0.0.1:8765/callback", shiping_article = "X" }',
            1,
        ),
        encoding="utf-8",
    )
    # in a process of its own: what an operator sees on standard error
    result = subprocess.run(
        koppel_command("run", "--sandbox", str(flow)),
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # the demo's parked order
    assert "connection eaccounting: setting(s) not known to eaccounting" in result.stderr
    assert "shiping_article (did you mean shipping_article?)" in result.stderr
