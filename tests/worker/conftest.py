"""Fixtures of the worker tests: a state store on SQLite, or on PostgreSQL in a schema of
its own when ``KOPPEL_TEST_POSTGRES_URL`` is set (the test skips otherwise)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from koppel.state import StateStore, open_state
from koppel.state._engine import resolve_url


@attrs.frozen
class Target:
    """Where a test's state lives: a SQLite file, or a PostgreSQL URL and a schema."""

    url: str
    schema: str | None

    def open(self) -> StateStore:
        return open_state(self.url, schema=self.schema)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("KOPPEL_SECRET_KEY", key)
    return key


def _postgres(url: str) -> Iterator[Target]:
    schema = f"koppel_test_{uuid.uuid4().hex[:12]}"
    yield Target(url, schema)
    engine = sa.create_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "sqlite":
        yield Target(str(tmp_path / "state.sqlite3"), None)
        return
    yield from _postgres(request.getfixturevalue("postgres_url"))


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver on 127.0.0.1 that keeps what it was sent."""

    received: list[tuple[dict[str, str], bytes]]
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[type[Receiver]]:
    handler = type("Receiver", (Receiver,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}/hook"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()
