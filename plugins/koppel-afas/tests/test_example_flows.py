"""examples/afas-relations-to-exact-online.toml with ``koppel run --sandbox`` (needs
koppel-exact-online); the commitments example runs through the engine in test_commitments."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from koppel.testing import koppel_command
from koppel_afas.sandbox import TOKEN

EXAMPLE = Path(__file__).parents[3] / "examples" / "afas-relations-to-exact-online.toml"


def test_example_relations_to_exact_online_runs_against_the_sandboxes(tmp_path: Path) -> None:
    pytest.importorskip("koppel_exact_online")
    if not EXAMPLE.is_file():
        pytest.skip("the example is not part of this checkout")
    env = {**os.environ, "AFAS_TOKEN": TOKEN}
    done = subprocess.run(
        koppel_command("run", "--sandbox", str(EXAMPLE)),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout
    # 16 relations: 15 created; two debtors share an e-mail address, which one Exact
    # account cannot hold: the second is parked, naming the first.
    assert "16 records" in out, out + done.stderr
    counts = out.splitlines()[2].split()
    assert counts[:2] == ["15", "0"], out
    parked = "failed debtor:10008: email 'administratie@desmaak.nl' is also that of source"
    assert f"{parked} record debtor:10007" in out
