"""The debtor index kept in the state store between runs: read in full once, then only
the debtors changed since; read in full again after a day (issue 21)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koppel.sandbox import attach_sandbox
from koppel.state import StateStore, open_state
from koppel.sync import Connection
from koppel.testing import FakeClock
from koppel_accountview.debtors import DebtorIndex
from koppel_accountview.kept import FULL_EVERY, KeptIndex
from koppel_accountview.plugin import connector
from koppel_accountview.sandbox import make_sandbox
from koppel_accountview.schema import DEBTORS

from .conftest import SECRETS, SETTINGS

GENERATED = 20  # 23 debtors in all: 5 pages of 5


@pytest.fixture
def sandbox() -> Any:
    return make_sandbox(clock=FakeClock(), debtors=GENERATED)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with open_state(tmp_path / "state.sqlite3") as opened:
        yield opened


def run(sandbox: Any, store: StateStore | None) -> tuple[DebtorIndex, int]:
    """One run's debtor index (the connection closed, as a run ends) and its reads."""
    connection = Connection(name="av", system="accountview", settings=SETTINGS, secrets=SECRETS)
    connection.state = store
    attach_sandbox(connection, sandbox)
    before = sandbox.reads["AR1"]
    index = DebtorIndex.of(connector.session(connection))
    connection.close()
    return index, sandbox.reads["AR1"] - before


def test_kept_index_is_read_in_full_once_then_by_change_date(
    sandbox: Any, store: StateStore
) -> None:
    first, reads = run(sandbox, store)
    assert len(first.by_number) == 1 + GENERATED and reads == 5

    sandbox.clock.advance(60)
    sandbox.store["CONTACT"].update(
        "30003", {"MAIL_BUS": "nieuw@example.nl", "CNG_DATE": sandbox.now()}
    )
    second, reads = run(sandbox, store)
    assert reads == 1, "the kept debtors were read again"
    assert second.by_email("nieuw@example.nl")[0]["SUB_NR"] == "30003"
    assert second.by_email("klant30003@example.nl") == []
    assert len(second.by_number) == 1 + GENERATED


def test_kept_index_forgets_a_deleted_debtor_when_read_in_full_after_a_day(
    sandbox: Any, store: StateStore
) -> None:
    run(sandbox, store)
    sandbox.store["CONTACT"].delete("30004")  # deleted in AccountView: no change date tells
    kept, reads = run(sandbox, store)
    assert reads == 1 and "30004" in kept.by_number

    sandbox.clock.advance(FULL_EVERY.total_seconds() + 1)
    fresh, reads = run(sandbox, store)
    assert reads == 5 and "30004" not in fresh.by_number  # 4 full pages, one empty


def test_kept_index_without_a_state_store_reads_in_full_each_run(sandbox: Any) -> None:
    assert run(sandbox, None)[1] == 5
    assert run(sandbox, None)[1] == 5


def test_kept_index_looking_whether_one_is_kept_stores_nothing(
    sandbox: Any, store: StateStore
) -> None:
    """``stored()`` peeks (Session.peek_remembered): nothing kept leaves the state store
    empty, no ``{}`` standing for "nothing"; a run's saved index is then seen."""

    def stored() -> bool:
        connection = Connection(name="av", system="accountview", settings=SETTINGS)
        connection.secrets, connection.state = SECRETS, store
        session = connector.session(connection)
        return KeptIndex(session, DEBTORS, DEBTORS.fields, name="ar1-index").stored()

    assert stored() is False
    assert store.forget_remembered("") == 0  # nothing was written
    run(sandbox, store)
    assert stored() is True
