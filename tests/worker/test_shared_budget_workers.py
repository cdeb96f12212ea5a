"""Two flows run by two ``koppel worker`` processes at once into one Exact Online division
(a sandbox served on loopback, 60 calls a minute): together they stay within the 60, as
the sandbox's own count of calls per minute shows, draw no 429 and fail no record.

Exact reports the minute's remaining calls in every answer, which keeps even separate
limiters close; that the shared ledger alone keeps processes within a budget (an API
that reports nothing) is shown by test_shared_limits.py."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from koppel.sandbox import SandboxEndpoint, point_flow, sandbox_for
from koppel.state import open_state
from koppel.testing import koppel_command

from .served import fresh_database, start_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
pytest.importorskip("procrastinate")

EXAMPLE = Path(__file__).parents[2] / "examples" / "eaccounting-orders-to-exact.toml"
ORDERS = 30


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    with fresh_database(postgres_url) as url:
        yield url


def _second_source(text: str) -> str:
    """The example reading its own eAccounting connection (another flow lock and bindings)."""
    text = text.replace('name = "eaccounting-orders-to-exact"', 'name = "second-orders-to-exact"')
    text = text.replace('source = "eaccounting"', 'source = "shop2"')
    text = text.replace("[connections.eaccounting]", "[connections.shop2]")
    return text.replace("env:EACCOUNTING_CLIENT_", "env:SHOP2_CLIENT_")


def test_two_workers_share_one_divisions_minute_budget(tmp_path: Path, database: str) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    with ExitStack() as stack:
        exact = sandbox_for("exact-online", seed=1)
        sources = [sandbox_for("eaccounting", seed=seed, volume=ORDERS) for seed in (1, 2)]
        orders = sources[1].store["orders"]
        for order in orders.all():  # numbers of their own: the flows book different orders
            orders.update(order["Id"], {"Number": order["Number"] + 5000})
        served = {}
        for box in (exact, *sources):
            server = stack.enter_context(box.serve("127.0.0.1", 0))
            served[id(box)] = SandboxEndpoint.of(box, server.url)
        env = {
            **os.environ,
            "KOPPEL_SECRET_KEY": Fernet.generate_key().decode(),
            "KOPPEL_LOG_LEVEL": "warning",
        }
        os.environ["KOPPEL_SECRET_KEY"] = env["KOPPEL_SECRET_KEY"]
        names = []
        for number, source in enumerate(sources):
            path = folder / f"flow-{number}.toml"
            text = EXAMPLE.read_text(encoding="utf-8")
            (tmp_path / "example.toml").write_text(
                _second_source(text) if number else text, encoding="utf-8"
            )
            pointed = point_flow(
                tmp_path / "example.toml", path, [served[id(source)], served[id(exact)]]
            )
            env.update(pointed.env)
            with open_state(database) as store:
                tokens = store.token_store()
                for name, endpoint in pointed.connections.items():
                    box = exact if endpoint.system == "exact-online" else source
                    assert box.oauth is not None
                    tokens.save(
                        "shop2" if number and name == "eaccounting" else name, box.oauth.grant()
                    )
            names.append("second-orders-to-exact" if number else "eaccounting-orders-to-exact")
        args = ["--flows", str(folder), "--state", database]
        for name in names:
            queued = subprocess.run(
                koppel_command("worker", *args, "--enqueue", name),
                env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert queued.returncode == 0, queued.stderr
        workers = [start_worker(folder, database, env, "--concurrency", "1") for _ in range(2)]
        try:

            def finished() -> bool:
                with open_state(database) as store:
                    return all(
                        any(run.status in ("ok", "failed") for run in store.runs(name))
                        for name in names
                    )

            wait_for(finished, timeout=170, what="both flows to finish")
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=60)
        with open_state(database) as store:
            runs = {name: store.runs(name)[0] for name in names}
    limit = exact.rate_limit
    assert limit is not None and limit.rejected == 0
    minutes = {key[1]: count for key, count in limit._counts.items() if key[0] == "minute"}
    assert max(minutes.values()) <= 60 and sum(minutes.values()) > 60, minutes
    for run in runs.values():  # no record failed for want of budget (the demo data holds
        # one order per source with a line without a VAT rate, which is parked)
        assert run.counts["created"] + run.counts["failed"] == ORDERS, run
        assert run.counts["failed"] <= 1, run
    first, second = runs.values()
    assert first.pid != second.pid  # two processes
    assert first.started_at < second.finished_at and second.started_at < first.finished_at
