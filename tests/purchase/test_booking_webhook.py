"""The webhook after export: one signed notification per exported booking, retried until
answered 2xx, logged, never lost and never sent again once delivered."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from koppel.cli import cli
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.purchase.webhook import Webhook
from koppel.state import StateStore

from ._make import export_flow, manager
from .test_booking_export import booked

SECRET = "s3cret-for-tests"


class Receiver:
    """A webhook receiver on 127.0.0.1 that fails its first ``failures`` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if receiver.failures > 0 else 200
                receiver.failures -= 1
                receiver.requests.append((dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"nope" if status == 500 else b"thanks")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, status in self.requests if status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(failures=2)
    yield found
    found.close()


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """The receiver's check, as docs/purchase.md shows it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


def hooked(url: str, **settings: Any) -> dict[str, Any]:
    return {
        "settings": {"webhook_urls": [url], "webhook_backoff": 0.01, **settings},
        "credentials": {"webhook_secret": "env:HOOK_SECRET"},
    }


def test_each_exported_booking_is_told_once_signed_also_after_500s(
    store: StateStore, tmp_path: Path, receiver: Receiver
) -> None:
    booked(store, tmp_path, 2)
    erp = MemorySystem("erp", entities={"journal_entries": ("reference",)})
    flow = export_flow("journal_entries", "erp", "erp", books=hooked(receiver.url))
    assert run_flow(flow, store, manager=manager(erp)).counts["created"] == 3
    assert [status for _, _, status in receiver.requests] == [500, 500, 200, 200, 200]
    told = receiver.delivered()
    assert sorted(n["booking_id"] for n in told) == [1, 2, 3]
    exported = {row["reference"]: key for key, row in erp.rows("journal_entries").items()}
    for notice in told:
        booking = store.booking(notice["booking_id"])
        assert booking is not None
        assert notice["event"] == "booking.exported" and notice["administration"] == "acme"
        assert notice["target"] == "erp" and notice["target_id"] == exported[booking.invoice]
        assert notice["idempotency_key"] == f"booking:books:erp:{booking.id}"
    for headers, body, _ in receiver.requests:
        assert verify(SECRET, headers["Koppel-Signature"], body)
        assert not verify("another secret", headers["Koppel-Signature"], body)
        assert headers["Koppel-Idempotency-Key"] == json.loads(body)["idempotency_key"]
    [first] = store.deliveries(1)
    attempts = store.delivery_attempts(first.id)
    assert [(a.status, a.answer) for a in attempts] == [
        (500, "nope"),
        (500, "nope"),
        (200, "thanks"),
    ]
    assert first.delivered_at is not None and first.attempts == 3
    # Nothing new exported: nothing sent again.
    run_flow(flow, store, manager=manager(erp))
    assert len(receiver.requests) == 5


def test_a_run_killed_before_telling_loses_nothing(
    store: StateStore, tmp_path: Path, receiver: Receiver
) -> None:
    booked(store, tmp_path, 2)
    erp = MemorySystem("erp", entities={"journal_entries": ("reference",)})
    # Exported by a run that never told anyone (as when killed right after the export).
    run_flow(export_flow("journal_entries", "erp", "erp"), store, manager=manager(erp))
    assert receiver.requests == [] and store.deliveries(1) == []
    receiver.failures = 0
    flow = export_flow("journal_entries", "erp", "erp", books=hooked(receiver.url))
    assert run_flow(flow, store, manager=manager(erp)).counts["created"] == 0
    assert sorted(n["booking_id"] for n in receiver.delivered()) == [1, 2, 3]


def test_a_process_killed_after_the_export_loses_no_notification(
    store: StateStore, state_at: Any, tmp_path: Path, receiver: Receiver
) -> None:
    if state_at.schema is not None:
        pytest.skip("the process opens the store by path")
    booked(store, tmp_path, 1)
    receiver.failures = 0
    script = Path(__file__).with_name("_export_run.py")
    env = {**os.environ, "KOPPEL_TEST_CRASH_AT": "booked"}
    killed = subprocess.run(
        [sys.executable, str(script), state_at.location, receiver.url], env=env, timeout=60
    )
    assert killed.returncode == -signal.SIGKILL
    # Exported (bound) by the killed process, told to no one.
    assert len(store.exported_unnotified("books", "journal_entries")) == 2
    assert receiver.requests == []
    done = subprocess.run(
        [sys.executable, str(script), state_at.location, receiver.url],
        env={k: v for k, v in env.items() if k != "KOPPEL_TEST_CRASH_AT"},
        timeout=60,
    )
    assert done.returncode == 0
    assert sorted(n["booking_id"] for n in receiver.delivered()) == [1, 2]
    assert len(receiver.requests) == 2
    subprocess.run([sys.executable, str(script), state_at.location, receiver.url], timeout=60)
    assert len(receiver.requests) == 2


def test_a_failed_notification_waits_for_the_next_run_with_the_same_body(
    store: StateStore, tmp_path: Path, receiver: Receiver
) -> None:
    booked(store, tmp_path, 1)
    receiver.failures = 1
    erp = MemorySystem("erp", entities={"journal_entries": ("reference",)})
    flow = export_flow(
        "journal_entries", "erp", "erp", books=hooked(receiver.url, webhook_attempts=1)
    )
    run_flow(flow, store, manager=manager(erp))
    [waiting] = store.deliveries(1)
    assert waiting.delivered_at is None and waiting.attempts == 1
    # The URL failed: the other booking's notification waits for the next run too.
    [later] = store.deliveries(2)
    assert later.attempts == 0 and store.delivery_attempts(later.id) == []
    assert len(receiver.requests) == 1
    time.sleep(0.02)  # the backoff (0.01 s) passes
    run_flow(flow, store, manager=manager(erp))
    sent = {json.loads(body)["booking_id"]: (body, status) for _, body, status in receiver.requests}
    assert len(receiver.requests) == 3  # booking 1 twice (500, 200), booking 2 once
    assert sent[1] == (waiting.body.encode(), 200)
    assert all(delivery.delivered_at for n in (1, 2) for delivery in store.deliveries(n))


def test_a_receiver_that_cannot_be_reached_is_logged_without_a_status(
    store: StateStore, tmp_path: Path
) -> None:
    booked(store, tmp_path, 1)
    erp = MemorySystem("erp", entities={"journal_entries": ("reference",)})
    run_flow(export_flow("journal_entries", "erp", "erp"), store, manager=manager(erp))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sleeps: list[float] = []
    hook = Webhook(
        urls=("http://127.0.0.1:9/hook",),
        secret=SECRET,
        attempts=3,
        backoff=0.5,
        transport=httpx.MockTransport(refuse),
        sleep=sleeps.append,
    )
    assert hook.notify(store, source="books", entity="journal_entries") == 0
    assert sleeps == [0.5, 1.0]
    [waiting] = store.deliveries(1)
    attempts = store.delivery_attempts(waiting.id)
    assert [a.status for a in attempts] == [None, None, None]
    assert attempts[0].answer == "ConnectError: connection refused"
    assert waiting.next_attempt_at > store.clock()


def test_bookings_show_prints_a_booking_with_its_exports_and_notifications(
    store: StateStore, state_at: Any, tmp_path: Path, receiver: Receiver
) -> None:
    booked(store, tmp_path, 1)
    erp = MemorySystem("erp", entities={"journal_entries": ("reference",)})
    flow = export_flow("journal_entries", "erp", "erp", books=hooked(receiver.url))
    run_flow(flow, store, manager=manager(erp))
    answer = CliRunner().invoke(
        cli, ["bookings", "show", "1", "--json", "--state", state_at.location]
    )
    assert answer.exit_code == 0, answer.output
    shown = json.loads(answer.output)
    assert shown["id"] == 1 and shown["invoice"] == "CRED-2001/F-0"
    assert shown["entry"]["reference"] == "CRED-2001/F-0"
    assert shown["commitment_bookings"][0]["record"]["amount"] == "600.00"
    exported = {row["reference"]: key for key, row in erp.rows("journal_entries").items()}
    assert shown["exports"] == [
        {
            "source": "books",
            "target": "erp",
            "entity": "journal_entries",
            "target_id": exported["CRED-2001/F-0"],
        }
    ]
    [notice] = shown["notifications"]
    assert notice["url"] == receiver.url and notice["delivered_at"]
    assert [a["status"] for a in notice["attempts"]] == [500, 500, 200]
    missing = CliRunner().invoke(cli, ["bookings", "show", "99", "--state", state_at.location])
    assert missing.exit_code != 0 and "no booking 99" in missing.output


def test_bookings_list_shows_the_newest_with_their_exports_and_notifications(
    store: StateStore, state_at: Any, tmp_path: Path, receiver: Receiver
) -> None:
    booked(store, tmp_path, 2)
    erp = MemorySystem("erp", entities={"journal_entries": ("reference",)})
    receiver.failures = 0
    flow = export_flow("journal_entries", "erp", "erp", books=hooked(receiver.url))
    run_flow(flow, store, manager=manager(erp))
    runner = CliRunner()
    answer = runner.invoke(
        cli, ["bookings", "list", "--last", "2", "--json", "--state", state_at.location]
    )
    assert answer.exit_code == 0, answer.output
    rows = [json.loads(line) for line in answer.output.splitlines()]
    assert [row["id"] for row in rows] == [3, 2]
    assert rows[0]["total"] == "726.00" and rows[0]["commitments"] == 1
    exported = {row["reference"]: key for key, row in erp.rows("journal_entries").items()}
    assert rows[0]["exported_to"] == [f"erp:{exported[rows[0]['invoice']]}"]
    assert rows[0]["notified"] == 1
    table = runner.invoke(cli, ["bookings", "list", "--state", state_at.location])
    assert table.exit_code == 0 and "CRED-2001/F-0" in table.output and "1/1" in table.output
    other = runner.invoke(
        cli, ["bookings", "list", "--administration", "other", "--state", state_at.location]
    )
    assert other.output.strip() == "no bookings"


def test_a_dry_run_of_the_export_tells_nobody(
    store: StateStore, tmp_path: Path, receiver: Receiver
) -> None:
    """Exported before any webhook was set: a dry run then sends nothing (the engine marks
    the source connection of a dry run too); the next real run tells each booking once."""
    booked(store, tmp_path, 2)
    erp = MemorySystem("erp", entities={"journal_entries": ("reference",)})
    run_flow(export_flow("journal_entries", "erp", "erp"), store, manager=manager(erp))
    flow = export_flow("journal_entries", "erp", "erp", books=hooked(receiver.url))

    run_flow(flow, store, manager=manager(erp), dry_run=True)
    assert receiver.requests == []

    run_flow(flow, store, manager=manager(erp))
    assert sorted(n["booking_id"] for n in receiver.delivered()) == [1, 2, 3]
