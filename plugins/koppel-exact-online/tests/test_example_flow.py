"""examples/eaccounting-orders-to-exact.toml against both sandboxes (needs koppel-eaccounting)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from koppel.engine import run_flow
from koppel.flows import load_flow
from koppel.http import FakeClock
from koppel.plugins import get_plugin_manager
from koppel.sandbox import sandbox_for
from koppel.state import open_state
from koppel.sync import Connection
from koppel_exact_online.runs import on_clock
from koppel_exact_online.sandbox import make_sandbox

EXAMPLE = Path(__file__).parents[3] / "examples" / "eaccounting-orders-to-exact.toml"


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    for name in ("EACCOUNTING", "EXACT"):
        monkeypatch.setenv(f"{name}_CLIENT_ID", "sandbox-client")
        monkeypatch.setenv(f"{name}_CLIENT_SECRET", "sandbox-secret")


def test_example_books_eaccounting_orders_in_exact_and_reruns_without_writes(
    tmp_path: Path,
) -> None:
    pytest.importorskip("koppel_eaccounting")
    if not EXAMPLE.is_file():
        pytest.skip("the example is not part of this checkout")
    flow = load_flow(EXAMPLE)
    pm = get_plugin_manager()
    eaccounting = sandbox_for("eaccounting", seed=1, pm=pm)
    clock = FakeClock()
    exact = make_sandbox(seed=1, clock=clock)
    with on_clock(clock), open_state(str(tmp_path / "state.sqlite3")) as store:
        for name, box in (("eaccounting", eaccounting), ("exact", exact)):
            if box.oauth is not None:
                store.token_store().save(name, box.oauth.grant())
        transports = {"eaccounting": eaccounting.transport(), "exact": exact.transport()}

        def on_clock_of_exact(connection: Connection) -> None:
            if connection.name == "exact":
                connection.clock = clock

        first = run_flow(
            flow, store, manager=pm, transports=transports, prepare_connection=on_clock_of_exact
        )
        parked = store.parked()
        writes = exact.writes
        again = run_flow(
            flow, store, manager=pm, transports=transports, prepare_connection=on_clock_of_exact
        )
    assert first.counts["created"] > 0, (first.counts, [p.message for p in parked[:3]])
    entries = exact.store["GeneralJournalEntries"].all()
    assert len(entries) == first.counts["created"]
    for entry in entries:
        lines = entry["GeneralJournalEntryLines"]
        assert sum(Decimal(str(x["AmountFC"])) for x in lines) == 0
        assert entry["JournalCode"] == "90"
    assert again.counts["created"] == again.counts["updated"] == 0
    assert exact.writes == writes
