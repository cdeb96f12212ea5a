"""Records deleted in AFAS, found as AFAS documents: commitments, articles and debtors by a
periodic full reload (``full_reload_deletions``), creditors from the log GetConnector on
*Inkooprelatie* (``deleted_creditors_from_log``). Run by core's engine and measured by the
sandbox's call and row counts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

import koppel.http
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import ConfigurationError
from koppel.flows import parse_flow
from koppel.http import FakeClock
from koppel.plugins import KoppelPluginManager, get_plugin_manager
from koppel.state import StateStore, open_state
from koppel_afas.deletions import ReadCursor
from koppel_afas.plugin import connector
from koppel_afas.sandbox import PARTICIPANT, TOKEN, AfasSandbox, make_sandbox

from .conftest import connect

GET_ROWS = ("GET", "/ProfitRestServices/connectors/{id}")
DAY = 24 * 3600
RELOAD = {"full_reload_deletions": True, "full_reload_hours": 24}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The sandbox's clock, and the run's: core gives a flow's connections the system clock."""
    fake = FakeClock()
    monkeypatch.setattr(koppel.http, "SYSTEM_CLOCK", fake)
    return fake


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    path = tmp_path / "state.sqlite3"
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("AFAS_TOKEN", TOKEN)
    store = open_state(str(path))
    yield store
    store.close()


def commitments_flow(
    deletions: str = "report", name: str = "afas-commitments", **settings: Any
) -> Any:
    return parse_flow(
        {
            "name": name,
            "source": "afas",
            "target": "register",
            "entity": "commitments",
            "settings": {"deletions": deletions},
            "connections": {
                "afas": {
                    "system": "afas",
                    "settings": {"participant": PARTICIPANT, **settings},
                    "credentials": {"token": "env:AFAS_TOKEN"},
                },
                "register": {
                    "system": "register",
                    "settings": {"source_system": "afas", "administration": name},
                },
            },
        }
    )


def run(
    box: AfasSandbox, store: StateStore, flow: Any, manager: Any = None, **options: Any
) -> tuple[Any, int, int]:
    """One run; its result, and the GetConnector calls and rows it cost."""
    calls, rows = box.count(*GET_ROWS), sum(box.rows_answered.values())
    result = run_flow(
        flow,
        store,
        manager=manager or get_plugin_manager(),
        transports={"afas": box.transport()},
        **options,
    )
    return result, box.count(*GET_ROWS) - calls, sum(box.rows_answered.values()) - rows


def registered(store: StateStore) -> set[str]:
    return {c.commitment.id for c in store.commitments(source_system="afas")}


def test_deletions_3_commitments_deleted_are_reported_by_the_next_reload_and_nothing_else(
    state: StateStore, clock: FakeClock
) -> None:
    box = make_sandbox(0, 2000, clock=clock)
    flow = commitments_flow(**RELOAD)
    result, calls, _ = run(box, state, flow)
    assert result.counts["created"] == 2000 and calls == 5

    clock.advance(DAY)
    gone = ["000007", "000700", "001999"]
    for key in gone:
        box.delete("commitments", key)
    result, calls, rows = run(box, state, flow)
    assert sorted(result.deleted_in_source) == gone
    # the 3, and the commitment at the stored cursor (read again by >=, unchanged)
    assert {k: v for k, v in result.counts.items() if v} == {"skipped": 4}
    assert calls <= 5 and rows <= 1997 + calls  # the full reload: every row, once
    assert len(registered(state)) == 2000  # reported: the register keeps them

    clock.advance(60)
    result, calls, rows = run(box, state, flow)  # booked: not reported again
    assert result.deleted_in_source == [] and (calls, rows) == (1, 1)


def test_deletions_propagate_removes_the_3_from_the_register_once(
    state: StateStore, clock: FakeClock
) -> None:
    box = make_sandbox(0, 300, clock=clock)
    flow = commitments_flow("propagate", **RELOAD)
    run(box, state, flow)
    clock.advance(DAY)
    gone = ["000003", "000150", "000299"]
    for key in gone:
        box.delete("commitments", key)
    box.change("commitments", "000010", Description="nieuw")
    result, calls, _ = run(box, state, flow)
    assert result.counts["deleted"] == 3 and result.counts["updated"] == 1
    assert result.counts["created"] == result.counts["failed"] == 0 and calls == 1
    assert registered(state) == {f"{n:06d}" for n in range(1, 301)} - set(gone)

    clock.advance(DAY)
    result, _, _ = run(box, state, flow)
    assert result.counts["deleted"] == 0 and result.deleted_in_source == []


def test_deletions_between_reloads_a_run_reads_only_what_changed(
    state: StateStore, clock: FakeClock
) -> None:
    box = make_sandbox(0, 2000, clock=clock)
    flow = commitments_flow(**RELOAD)
    run(box, state, flow)
    clock.advance(3600)
    box.delete("commitments", "000042")
    box.change("commitments", "000043", OpenAmount=0.0)
    result, calls, rows = run(box, state, flow)
    assert (calls, rows <= 2) == (1, True) and result.counts["updated"] == 1
    assert result.deleted_in_source == []  # found by the next full reload, not before

    clock.advance(DAY)
    result, calls, _ = run(box, state, flow)
    assert result.deleted_in_source == ["000042"] and calls <= 5


def test_deletions_found_in_a_dry_run_are_reported_again_by_the_next_real_run(
    state: StateStore, clock: FakeClock
) -> None:
    box = make_sandbox(0, clock=clock)
    flow = commitments_flow(full_reload_deletions=True, full_reload_hours=0)
    run(box, state, flow)
    box.delete("commitments", "000005")
    dry, _, _ = run(box, state, flow, dry_run=True)  # stores no cursor
    assert dry.deleted_in_source == ["000005"]
    result, _, _ = run(box, state, flow)
    assert result.deleted_in_source == ["000005"]
    result, _, _ = run(box, state, flow)
    assert result.deleted_in_source == []


def test_deletions_two_flows_on_one_connection_each_hear_of_every_deletion(
    state: StateStore, clock: FakeClock
) -> None:
    box = make_sandbox(0, clock=clock)
    first = commitments_flow(**RELOAD)
    second = commitments_flow(name="afas-commitments-copy", **RELOAD)
    run(box, state, first)
    run(box, state, second)
    clock.advance(DAY)
    box.delete("commitments", "000009")
    assert run(box, state, first)[0].deleted_in_source == ["000009"]
    clock.advance(DAY)
    assert run(box, state, first)[0].deleted_in_source == []  # a reload finding nothing new
    assert run(box, state, second)[0].deleted_in_source == ["000009"]
    assert run(box, state, second)[0].deleted_in_source == []


def test_deletions_without_the_setting_nothing_is_reported_and_cursors_stay_dates(
    state: StateStore, clock: FakeClock
) -> None:
    box = make_sandbox(0, clock=clock)
    flow = commitments_flow()
    run(box, state, flow)
    box.delete("commitments", "000005")
    clock.advance(DAY)
    result, calls, _ = run(box, state, flow)
    assert result.deleted_in_source == [] and calls == 1
    assert ";" not in (state.get_cursor("afas-commitments", "commitments") or "")


def relations_run(box: AfasSandbox, store: StateStore, crm: MemorySystem, **settings: Any) -> Any:
    flow = parse_flow(
        {
            "name": "afas-relations-to-crm",
            "source": "afas",
            "target": "crm",
            "entity": "relations",
            "settings": {"deletions": "propagate"},
            "connections": {
                "afas": {
                    "system": "afas",
                    "settings": {"participant": PARTICIPANT, **settings},
                    "credentials": {"token": "env:AFAS_TOKEN"},
                },
                "crm": {"system": "crm"},
            },
        }
    )
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(connector, "afas")
    manager.register(crm, "crm")
    return run(box, store, flow, manager)


def test_deletions_a_deleted_creditor_comes_from_the_log_a_debtor_from_the_reload(
    state: StateStore, clock: FakeClock
) -> None:
    box = make_sandbox(0, clock=clock)
    crm = MemorySystem("crm")
    settings = {"deleted_creditors_from_log": True, **RELOAD}
    result, _, _ = relations_run(box, state, crm, **settings)
    synced = result.counts["created"]
    assert synced == len(crm.rows("relations")) > 10

    clock.advance(3600)
    box.delete("creditors", "20002")
    result, calls, _ = relations_run(box, state, crm, **settings)
    # the log names it at once; no full reload is due yet: 3 reads (debtors, creditors, log)
    assert result.counts["deleted"] == 1 and calls == 3
    assert len(crm.rows("relations")) == synced - 1

    clock.advance(DAY)
    box.delete("debtors", "10003")
    result, _, _ = relations_run(box, state, crm, **settings)
    assert result.counts["deleted"] == 1  # the debtor; the creditor is not reported twice
    assert len(crm.rows("relations")) == synced - 2


def test_deletions_log_getconnector_is_checked_like_every_other(sandbox: AfasSandbox) -> None:
    connection = connect(
        sandbox, deleted_creditors_from_log=True, creditors_deleted_connector="Mijn_log"
    )
    with pytest.raises(ConfigurationError) as refused:
        list(
            connector.fetch_records(
                connection=connection, entity="relations", cursor=None, filters={}
            )
        )
    assert "Mijn_log" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "moment", "reload"),
    [
        (None, None, 0),
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z", 0),
        ("2024-05-01T10:00:00Z;full:000012", "2024-05-01T10:00:00Z", 12),
    ],
)
def test_deletions_cursor_reads_a_date_or_a_date_with_its_reload(
    text: str | None, moment: str | None, reload: int
) -> None:
    cursor = ReadCursor.parse(text)
    assert (cursor.moment, cursor.reload) == (moment, reload)
    assert str(cursor) == (text or "")


def test_deletions_cursor_orders_as_text_as_the_engine_needs() -> None:
    older = str(ReadCursor("2024-05-01T10:00:00Z", 9))
    assert (
        older
        < str(ReadCursor("2024-05-01T10:00:00Z", 10))
        < str(ReadCursor("2024-05-01T10:00:01Z", 10))
    )
    with pytest.raises(ConfigurationError):
        ReadCursor.parse("2024-05-01T10:00:00Z;full:x")
