"""Commitments (verplichtingen): the first sync reads all, later ones only what changed.

Run by core's engine through ``examples/afas-commitments.toml`` into the commitments
register, and measured by the sandbox's call and row counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from koppel.engine import run_flow
from koppel.errors import KoppelError
from koppel.flows import load_flow
from koppel.http import FakeClock
from koppel.plugins import get_plugin_manager
from koppel.sandbox import Faults
from koppel.state import StateStore, open_state
from koppel_afas.plugin import connector
from koppel_afas.sandbox import TOKEN, AfasSandbox, make_sandbox

from .conftest import connect

EXAMPLE = Path(__file__).parents[3] / "examples" / "afas-commitments.toml"
GET_ROWS = ("GET", "/ProfitRestServices/connectors/{id}")


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    """The state store the engine and the register share, the token in the environment."""
    path = tmp_path / "state.sqlite3"
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("KOPPEL_STATE", str(path))
    monkeypatch.setenv("AFAS_TOKEN", TOKEN)
    store = open_state(str(path))
    yield store
    store.close()


def run(box: AfasSandbox, store: StateStore) -> tuple[int, int]:
    """One run of the example flow; the GetConnector calls and rows it cost."""
    if not EXAMPLE.is_file():
        pytest.skip("the example is not part of this checkout")
    calls, rows = box.count(*GET_ROWS), box.rows_answered["koppel_commitments"]
    run_flow(
        load_flow(EXAMPLE),
        store,
        manager=get_plugin_manager(),
        transports={"afas": box.transport()},
    )
    return box.count(*GET_ROWS) - calls, box.rows_answered["koppel_commitments"] - rows


def test_commitments_after_a_full_sync_of_2000_the_next_run_reads_only_the_10_changed(
    state: StateStore,
) -> None:
    clock = FakeClock()
    box = make_sandbox(0, 2000, clock=clock)
    calls, rows = run(box, state)
    # 500 rows a call, each page after the first starting at the last date read
    assert calls == 5 and 2000 <= rows <= 2000 + calls
    assert len(state.commitments(source_system="afas")) == 2000

    clock.advance(3600)
    changed = [f"{n:06d}" for n in range(100, 2000, 190)]
    for key in changed:
        box.change("commitments", key, OpenAmount=0.0, Status="Afgehandeld", Handled=True)
    calls, rows = run(box, state)

    # the 10 changed, and the one whose modification date is the stored cursor (>=)
    assert 10 <= rows <= 11 and calls == 1
    registered = {c.commitment.id: c.commitment for c in state.commitments(source_system="afas")}
    assert len(registered) == 2000
    assert all(registered[key].open_amount == Decimal(0) for key in changed)
    assert all(registered[key].handled for key in changed)


def test_commitments_unchanged_next_run_reads_one_row(state: StateStore) -> None:
    box = make_sandbox(0, clock=FakeClock())
    assert run(box, state) == (1, 36)
    assert run(box, state) == (1, 1)  # only the row at the cursor itself


def test_commitments_metainfo_is_asked_once_and_remembered_in_the_state_store(
    state: StateStore,
) -> None:
    box = make_sandbox(0, clock=FakeClock())
    metainfo = ("GET", "/ProfitRestServices/metainfo/get/{id}")
    run(box, state)
    assert box.count(*metainfo) == 1
    run(box, state)
    assert box.count(*metainfo) == 1  # the second run spends only the read of its rows
    key = "afas/12345/production/metainfo/get/koppel_commitments"
    fields = state.remembered(key, list, max_age=timedelta(days=1))  # list: never asked
    assert any(field["id"] == "Code" for field in fields)


class _ChangeDuringRead(httpx.BaseTransport):
    """Changes an already-read commitment in Profit right after the first page is read."""

    def __init__(self, box: AfasSandbox, clock: FakeClock) -> None:
        self.box, self.clock, self.pages = box, clock, 0
        self.inner = box.transport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if "/connectors/" in request.url.path:
            self.pages += 1
            if self.pages == 1:
                self.clock.advance(60)
                self.box.change("commitments", "000002", Description="gewijzigd tijdens het lezen")
        return response


def test_commitments_a_row_changed_during_the_read_is_read_again_and_none_is_missed() -> None:
    clock = FakeClock()
    box = make_sandbox(0, clock=clock)
    connection = connect(box, page_size=10)
    connection.transport = _ChangeDuringRead(box, clock)
    records = list(
        connector.fetch_records(
            connection=connection, entity="commitments", cursor=None, filters={}
        )
    )
    ids = [r.id for r in records]
    # skip/take alone would now miss the row that moved into the first page's place
    assert sorted(set(ids)) == [f"{n:06d}" for n in range(1, 37)]
    assert ids.count("000002") == 2 and ids[-1] == "000002"
    assert records[-1].data["Description"] == "gewijzigd tijdens het lezen"


def test_commitments_no_record_is_lost_under_faults(state: StateStore) -> None:
    box = make_sandbox(0, 300, clock=FakeClock())
    box.faults = Faults(rate=0.3, seed=7, kinds=("500", "503", "reset", "timeout", "malformed"))
    for _ in range(4):  # a run a fault stopped leaves its cursor; the next goes on from it
        try:
            run(box, state)
        except KoppelError:
            continue
    assert sum(box.faults_struck.values()) > 0
    registered = {c.commitment.id for c in state.commitments(source_system="afas")}
    assert registered == {f"{n:06d}" for n in range(1, 301)}
