"""Fixtures for the state store tests: every test runs on SQLite and, when
``KOPPEL_TEST_POSTGRES_URL`` is set, on PostgreSQL in a schema of its own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography.fernet import Fernet

from koppel.state import StateStore
from koppel.testing import StateTarget


@attrs.define
class Clock:
    """A clock the test moves by hand."""

    now: datetime = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("KOPPEL_SECRET_KEY", key)
    return key


@pytest.fixture
def target(koppel_state_target: StateTarget) -> StateTarget:
    """The shared SQLite / PostgreSQL target (koppel.testing) under this folder's name."""
    return koppel_state_target


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(target: StateTarget, clock: Clock) -> Iterator[StateStore]:
    with target.open(clock=clock) as opened:
        yield opened


WORKER = Path(__file__).with_name("state_worker.py")


@attrs.frozen
class Workers:
    """Start processes running ``state_worker.py`` jobs together; collect their results."""

    target: StateTarget
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
def workers(target: StateTarget, tmp_path: Path) -> Workers:
    directory = tmp_path / "workers"
    directory.mkdir()
    return Workers(target, directory)
