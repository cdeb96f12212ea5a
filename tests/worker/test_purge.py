"""``koppel purge`` forgets: purged personal data is gone from the SQLite files, and parked
records older than the retention lose their payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from koppel.cli import cli
from koppel.state import open_state
from koppel.testing import StateTarget

EMAIL = "jan.jansen.purge@example.nl"


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _file_bytes(state: Path) -> bytes:
    """The database file and its write-ahead log, as they lie on disk."""
    return b"".join(
        path.read_bytes() for path in (state, state.with_name(state.name + "-wal")) if path.exists()
    )


def test_purged_personal_data_is_gone_from_the_sqlite_files(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    clock = _Clock()
    with open_state(state, clock=clock) as store:
        for n in range(300):
            store.log_activity(
                None, "orders", "orders", f"O-{n}", "create",
                source={"email": EMAIL, "name": f"Jan Jansen {n}"}, sent={"mail": EMAIL},
            )  # fmt: skip
        store.park("orders", "orders", "O-9", {"email": EMAIL}, "no VAT code", "X", None)
        clock.now += timedelta(days=40)
        store.log_activity(None, "orders", "orders", "O-1000", "create", source={"id": 1})
        assert EMAIL.encode() in _file_bytes(state)
    done = CliRunner().invoke(cli, ["purge", "--older-than", "30d", "--state", str(state)])
    assert done.exit_code == 0, done.output
    # purge ran on the real clock, 2024 is long gone: everything older than 30 days goes
    assert "deleted 301 activity entries" in done.output
    assert "emptied the payload of 1 parked records" in done.output
    assert EMAIL.encode() not in _file_bytes(state)
    assert b"Jan Jansen" not in _file_bytes(state)
    with open_state(state) as store:
        (parked,) = store.parked("orders")
        assert parked.data == {} and parked.message == "no VAT code"


def test_parked_records_within_the_retention_keep_their_payload(target: StateTarget) -> None:
    clock = _Clock()
    with open_state(target.url, schema=target.schema, clock=clock) as store:
        store.park("orders", "orders", "old", {"email": EMAIL}, "no VAT code", "X", None)
        store.log_activity(None, "orders", "orders", "old", "fail", source={"email": EMAIL})
        clock.now += timedelta(days=20)
        store.park("orders", "orders", "new", {"email": EMAIL}, "no VAT code", "X", None)
        clock.now += timedelta(days=15)
        purged = store.purge(timedelta(days=30))
        assert (purged.activity, purged.parked) == (1, 1)
        assert {p.source_id: p.data for p in store.parked("orders")} == {
            "old": {},
            "new": {"email": EMAIL},
        }
        assert store.purge(timedelta(days=30)).parked == 0  # emptied once
