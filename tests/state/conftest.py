"""Fixtures for the state store tests: every test runs on SQLite and, when
``KOPPEL_TEST_POSTGRES_URL`` is set, on PostgreSQL in a schema of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from koppel.state import StateStore, open_state
from koppel.state._engine import resolve_url


@attrs.define
class Clock:
    """A clock the test moves by hand."""

    now: datetime = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@attrs.frozen
class Target:
    """Where a test's state lives: a SQLite file, or a PostgreSQL URL and a schema."""

    url: str
    schema: str | None

    def open(self, **kwargs: object) -> StateStore:
        return open_state(self.url, schema=self.schema, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("KOPPEL_SECRET_KEY", key)
    return key


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "sqlite":
        yield Target(str(tmp_path / "state.sqlite3"), None)
        return
    url: str = request.getfixturevalue("postgres_url")
    schema = f"koppel_test_{uuid.uuid4().hex[:12]}"
    yield Target(url, schema)
    engine = sa.create_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(target: Target, clock: Clock) -> Iterator[StateStore]:
    with target.open(clock=clock) as opened:
        yield opened


WORKER = Path(__file__).with_name("state_worker.py")


@attrs.frozen
class Workers:
    """Start processes running ``state_worker.py`` jobs together; collect their results."""

    target: Target
    directory: Path

    def run(self, job: str, *args: Mapping[str, object]) -> list[Any]:
        import json
        import subprocess
        import sys
        import time

        go = self.directory / "go"
        procs = []
        for n, extra in enumerate(args):
            payload = {
                "url": self.target.url,
                "schema": self.target.schema,
                "go": str(go),
                "ready": str(self.directory / f"ready-{n}"),
                **extra,
            }
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(WORKER), job, json.dumps(payload)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        deadline = time.monotonic() + 60
        while not all((self.directory / f"ready-{n}").exists() for n in range(len(args))):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                break
            time.sleep(0.01)
        go.touch()
        results: list[Any] = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            results.append(json.loads(out) if proc.returncode == 0 else (proc.returncode, err))
        return results


@pytest.fixture
def workers(target: Target, tmp_path: Path) -> Workers:
    directory = tmp_path / "workers"
    directory.mkdir()
    return Workers(target, directory)
