"""``koppel.testing.served_sandbox``: sandboxes in other processes, and a flow run against them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from koppel.sandbox import point_flow
from koppel.testing import authorize_flow, koppel_command, served_sandbox

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "eaccounting-orders-to-accountview.toml"


def test_served_sandbox_answers_until_the_block_ends() -> None:
    with served_sandbox("eaccounting", volume=4, seed=2) as ea:
        assert ea.url.startswith("http://127.0.0.1:")
        assert ea.collections()["orders"] == 4
        assert len(ea.collection("orders")) == 4
        assert ea.calls()["total"] == 0
        assert ea.endpoint.options["volume"] == 4
        process = ea.process
    assert process.returncode == 0  # stopped cleanly, not killed


def test_served_sandbox_that_cannot_start_raises_its_error() -> None:
    with (
        pytest.raises(RuntimeError, match="no plugin provides system 'nothing'"),
        served_sandbox("nothing"),
    ):
        pass


def test_served_flow_runs_with_koppel_run_in_another_process(tmp_path: Path) -> None:
    with (
        served_sandbox("eaccounting", volume=9, token_lifetime=1) as ea,
        served_sandbox("accountview") as av,
    ):
        flow = point_flow(ORDERS, tmp_path / "orders.toml", [ea.endpoint, av.endpoint])
        env = {**os.environ, **flow.env, "KOPPEL_SECRET_KEY": Fernet.generate_key().decode()}
        env.pop("KOPPEL_STATE", None)
        authorize_flow(flow, env=env)
        done = subprocess.run(
            koppel_command("run", str(flow.path)),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr  # the order naming AV-9999 is parked
        assert "1 product not found in the target: AV-9999" in done.stdout
        paid = [o for o in ea.collection("orders") if o["Status"] == 4]
        refs = [row["ORD_REF"] for row in av.collection("SO_HDR")]
        assert len(refs) == len(set(refs)) == len(paid) - 1 == 2
        assert ea.calls()["token_refreshes"] > 0  # a token living 1 s is refreshed in the run
    assert (tmp_path / "koppel-served.sqlite3").is_file()
