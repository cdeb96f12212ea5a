"""Master data kept between runs: read by key when few values are unknown, whole when
many, re-read when a write was refused, and a store that cannot keep it fails nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from structlog.testing import capture_logs

from koppel.http import FakeClock
from koppel_exact_online.entity_sets import ACCOUNTS, ITEMS
from koppel_exact_online.index import FEW, FRESH_FOR, WHOLE_FOR, Kept
from koppel_exact_online.lookups import Lookups
from koppel_exact_online.odata import pad_code
from koppel_exact_online.sandbox import ExactSandbox, make_sandbox


class Store:
    """``Session.remembered`` over a dict, as the state store keeps it."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def remembered(self, key: str, fetch: Callable[[], Any], **options: Any) -> Any:
        if options.get("refresh") or key not in self.values:
            self.values[key] = fetch()
        return self.values[key]


@pytest.fixture
def sandbox(clock: FakeClock) -> ExactSandbox:
    return make_sandbox(seed=3, clock=clock, customers=30, products=150, orders=0)


def lookups(
    connect: Callable[..., Any], sandbox: ExactSandbox, clock: FakeClock, store: Store
) -> Lookups:
    """One run's lookups over ``store`` (a new client, as a new run has)."""
    _, client = connect(sandbox, clock, division=sandbox.division)
    return Lookups(
        client, lambda: datetime.fromtimestamp(clock.now(), UTC), Kept(store.remembered, "t")
    )


def reads(sandbox: ExactSandbox, name: str) -> int:
    return sandbox.served[("GET", name)]


def test_index_reads_few_values_by_key_and_keeps_them_for_the_next_run(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    store = Store()
    first = lookups(connect, sandbox, clock, store)
    found = first.indexes[ITEMS].find("Code", ["ART-0001", "ART-0002", "NOPE"])
    assert [len(found[c]) for c in ("ART-0001", "ART-0002", "NOPE")] == [1, 1, 0]
    assert reads(sandbox, "Items") == 1
    first.save()
    second = lookups(connect, sandbox, clock, store)
    assert second.item(code="ART-0002") is not None
    assert reads(sandbox, "Items") == 1  # kept: no call


def test_index_reads_the_whole_set_when_many_values_are_unknown(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    run = lookups(connect, sandbox, clock, Store())
    codes = [f"ART-{n:04d}" for n in range(1, FEW + 2)]
    found = run.indexes[ITEMS].find("Code", codes)
    assert all(found[c] for c in codes)
    assert reads(sandbox, "Items") == 1  # sync/Logistics/Items: 150 rows on one page
    assert run.item(code="ART-0150") is not None and reads(sandbox, "Items") == 1


def test_index_verify_forgets_a_record_exact_no_longer_has(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    run = lookups(connect, sandbox, clock, Store())
    old = run.account("5")
    assert old is not None
    sandbox.remove("Accounts", old["ID"])
    again = {**sandbox.store["Accounts"].all()[0], "ID": sandbox.new_id(), "Code": pad_code("5")}
    sandbox.put("Accounts", again["ID"], again)
    assert run.account("5") == old  # kept: not asked again within the run
    run.verify([(ACCOUNTS, "Code", "5")])
    assert run.account("5")["ID"] == again["ID"]  # type: ignore[index]


def test_index_a_store_that_cannot_keep_it_fails_nothing(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    store = Store()
    run = lookups(connect, sandbox, clock, store)
    assert run.item(code="ART-0003") is not None

    def broken(key: str, fetch: Callable[[], Any], **options: Any) -> Any:
        if options.get("refresh"):
            raise OSError("disk full")
        return store.remembered(key, fetch, **options)

    for index in run.indexes.values():
        index.kept = Kept(broken, "t")
    with capture_logs() as logs:
        run.save()
    assert [entry["entity_set"] for entry in logs] == ["Items"]
    assert "disk full" in logs[0]["error"]


def test_check_online_asks_current_me_again_and_forgets_what_is_kept(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    from koppel_exact_online.plugin import connector

    connection, _ = connect(sandbox, clock)
    store = Store()
    kept = Kept(store.remembered, "t")
    run = lookups(connect, sandbox, clock, store)
    connector.session(connection).cache["lookups"] = run  # the connection's run uses ``store``
    assert run.item(code="ART-0001") is not None
    run.save()
    assert store.values["t/Items"]["rows"]
    note = connector.check_online(connection, "orders", "write")
    assert note is not None and str(sandbox.division) in note
    assert sandbox.served[("GET", "Me")] == 1
    assert store.values["t/Items"]["rows"] == []
    assert kept.load("Items")["rows"] == []


def test_index_verifies_a_value_once_a_run_however_often_writes_are_refused(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    run = lookups(connect, sandbox, clock, Store())
    assert run.account("5") is not None and run.account("klant1@example.nl") is not None
    before = reads(sandbox, "Accounts")
    for _ in range(5):  # five documents refused for a closed period, say
        run.verify([(ACCOUNTS, "Code", "5"), (ACCOUNTS, "Email", "klant1@example.nl")])
    # The code read again once by key, the e-mail index (whole) once.
    assert reads(sandbox, "Accounts") == before + 2


def test_index_complete_catches_up_daily_and_is_read_whole_weekly(
    sandbox: ExactSandbox, clock: FakeClock, connect: Callable[..., Any]
) -> None:
    """A complete index reads what changed after a day (one call), and the whole set again
    after a week: an account deleted in Exact, which no catch-up reports, is then gone."""
    store = Store()
    first = lookups(connect, sandbox, clock, store)
    assert first.account("klant2@example.nl") is not None  # e-mail: the whole index
    first.save()
    gone = sandbox.store["Accounts"].find(Email="klant2@example.nl")[0]
    sandbox.remove("Accounts", gone["ID"])
    clock.advance(FRESH_FOR.total_seconds() + 1)
    before = reads(sandbox, "Accounts")
    daily = lookups(connect, sandbox, clock, store)
    assert daily.account("klant3@example.nl") is not None
    assert reads(sandbox, "Accounts") == before + 1  # the changes since: none
    assert daily.account("klant2@example.nl") is not None  # still kept: no deletion seen
    daily.save()
    clock.advance(WHOLE_FOR.total_seconds())
    weekly = lookups(connect, sandbox, clock, store)
    assert weekly.account("klant2@example.nl") is None
