"""Opening the store: URLs and paths, migrations, SQLite tuning, errors."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import koppel.state
from koppel.errors import ConfigurationError, StateError
from koppel.state import StateStore, open_state
from koppel.state._engine import default_state_path, resolve_url
from koppel.state._migrate import VERSION_TABLE, current_revision, head_revision
from koppel.state._schema import metadata
from koppel.testing import StateTarget


def test_state_exports_complete() -> None:
    public = {name for name in dir(koppel.state) if not name.startswith("_")}
    modules = {"annotations"} | {
        name for name in public if type(getattr(koppel.state, name)).__name__ == "module"
    }
    assert set(koppel.state.__all__) == public - modules


def test_state_migrations_match_schema(store: StateStore) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, metadata) == []
        assert current_revision(conn) == head_revision()


def test_state_tables_are_prefixed() -> None:
    assert all(name.startswith("koppel_") for name in metadata.tables)
    assert VERSION_TABLE.startswith("koppel_")


def test_state_reopen_keeps_data(target: StateTarget) -> None:
    with target.open() as first:
        first.set_cursor("f", "customer", "42")
    with target.open() as second:
        assert second.get_cursor("f", "customer") == "42"


def test_state_concurrent_open_migrates_once(target: StateTarget) -> None:
    errors: list[BaseException] = []
    stores: list[StateStore] = []

    def opener() -> None:
        try:
            stores.append(target.open())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stores[0].set_cursor("f", "e", "1")
    assert {s.get_cursor("f", "e") for s in stores} == {"1"}
    for s in stores:
        s.close()


def test_state_sqlite_is_tuned(tmp_path: Path) -> None:
    with open_state(tmp_path / "s.sqlite3") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_state_memory_store_works() -> None:
    with open_state(":memory:") as store:
        store.set_cursor("f", "e", "x")
        assert store.get_cursor("f", "e") == "x"


def test_state_path_creates_parent_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.sqlite3"
    with open_state(str(path)):
        pass
    assert path.exists()


def test_state_default_path_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KOPPEL_STATE", str(tmp_path / "env.sqlite3"))
    assert resolve_url(None).database == str(tmp_path / "env.sqlite3")
    monkeypatch.delenv("KOPPEL_STATE")
    # resolving creates the file: in this test's own data home, not the session's
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_url(None).database == str(default_state_path())
    assert default_state_path().name == "state.sqlite3"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_state_postgres_urls_use_psycopg(scheme: str) -> None:
    url = resolve_url(f"{scheme}://u:secret@db.example/koppel")
    assert url.drivername == "postgresql+psycopg"
    assert url.database == "koppel"


def test_state_other_database_refused() -> None:
    with pytest.raises(ConfigurationError, match="SQLite or PostgreSQL only") as info:
        resolve_url("mysql://u:secret@db/koppel")
    assert "secret" not in str(info.value)


def test_state_unreachable_database_is_state_error() -> None:
    with pytest.raises(StateError, match="cannot open the state store") as info:
        open_state("postgresql://u:hunter2@127.0.0.1:1/nothing?connect_timeout=2")
    assert "hunter2" not in str(info.value)


def test_state_unwritable_sqlite_is_state_error(tmp_path: Path) -> None:
    path = tmp_path / "dir.sqlite3"
    path.mkdir()  # a directory where the database file should be
    with pytest.raises(StateError, match="cannot open the state store"):
        open_state(path)


def test_state_sqlite_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "private.sqlite3"
    with open_state(path) as store:
        store.set_cursor("f", "e", "1")
    assert path.stat().st_mode & 0o777 == 0o600
