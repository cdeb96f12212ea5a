"""The examples: afas-relations-to-exact-online.toml with ``koppel run --sandbox`` (needs
koppel-exact-online) and no AFAS_TOKEN (the sandbox gives its own), afas-commitments.toml
with ``--sandbox`` into the run's own state store, and against a served AFAS sandbox,
twice: the second run reads one row."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from koppel.sandbox import point_flow
from koppel.testing import koppel_command, served_sandbox
from koppel_afas.sandbox import TOKEN

EXAMPLE = Path(__file__).parents[3] / "examples" / "afas-relations-to-exact-online.toml"


def test_example_relations_to_exact_online_runs_against_the_sandboxes(tmp_path: Path) -> None:
    pytest.importorskip("koppel_exact_online")
    if not EXAMPLE.is_file():
        pytest.skip("the example is not part of this checkout")
    env = {k: v for k, v in os.environ.items() if k != "AFAS_TOKEN"}
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


COMMITMENTS = EXAMPLE.with_name("afas-commitments.toml")


def test_example_commitments_runs_with_sandbox_into_the_runs_own_register(
    tmp_path: Path,
) -> None:
    if not COMMITMENTS.is_file():
        pytest.skip("the example is not part of this checkout")
    env = {k: v for k, v in os.environ.items() if k not in ("AFAS_TOKEN", "KOPPEL_STATE")}

    def koppel(*args: str) -> str:
        done = subprocess.run(
            koppel_command(*args), cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    out = koppel("run", "--sandbox", str(COMMITMENTS))
    assert out.splitlines()[2].split()[0] == "36", out  # created
    listed = koppel("commitments", "list", "--state", "koppel-sandbox.sqlite3", "--json")
    assert listed.count('"code"') == 36


def test_example_commitments_runs_against_a_served_sandbox_as_its_header_says(
    tmp_path: Path,
) -> None:
    if not COMMITMENTS.is_file():
        pytest.skip("the example is not part of this checkout")
    with served_sandbox("afas") as afas:
        flow = point_flow(COMMITMENTS, tmp_path / "commitments.toml", [afas.endpoint])
        state = tmp_path / "koppel-served.sqlite3"
        env = {**os.environ, **flow.env, "AFAS_TOKEN": TOKEN, "KOPPEL_STATE": str(state)}
        runs = [
            subprocess.run(
                koppel_command("run", str(flow.path)),
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            ).stdout
            for _ in range(2)
        ]
        calls = afas.calls()["calls"]
    assert runs[0].splitlines()[2].split()[0] == "36", runs[0]  # created
    assert "run 2, 1 record in" in runs[1] and runs[1].splitlines()[2].split()[3] == "1", runs[1]
    assert calls["GET /ProfitRestServices/connectors/{id}"] == 2
