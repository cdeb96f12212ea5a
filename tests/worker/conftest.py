"""Fixtures of the worker tests: a state store on SQLite, or on PostgreSQL in a schema of
its own when ``KOPPEL_TEST_POSTGRES_URL`` is set (the test skips otherwise)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from cryptography.fernet import Fernet

from koppel.testing import StateTarget


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("KOPPEL_SECRET_KEY", key)
    return key


@pytest.fixture
def target(koppel_state_target: StateTarget) -> StateTarget:
    """The shared SQLite / PostgreSQL target (koppel.testing) under this folder's name."""
    return koppel_state_target


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
