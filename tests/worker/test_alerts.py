"""Alerts: one notice per new problem and one when it is resolved, through a signed webhook
(a receiver on 127.0.0.1) and e-mail (an SMTP sink on 127.0.0.1); never a storm."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from koppel.alerts import SIGNATURE_HEADER, check_flow, load_alerts
from koppel.errors import ConfigurationError, TransientError
from koppel.state import StateStore
from koppel.testing import StateTarget

from .conftest import Receiver


class _Sink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Sink, int]]:
    with socket.socket() as probe:  # a free port: the controller checks it by connecting
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def _alerts_file(tmp_path: Path, url: str, port: int) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(
        f"""
[webhook]
url = "{url}"
secret = "env:HOOK_SECRET"

[email]
host = "127.0.0.1"
port = {port}
sender = "koppel@example.com"
to = ["ops@example.com"]

[flows.orders.email]
to = ["shop@example.com"]
""",
        encoding="utf-8",
    )
    return path


def _stopped_run(store: StateStore, flow: str) -> None:
    run = store.start_run(flow)
    store.finish_run(run, status="stopped", counts={}, message="the token was revoked")


def test_a_problem_is_told_once_when_new_and_once_when_resolved(
    target: StateTarget,
    tmp_path: Path,
    webhook: type[Receiver],
    smtp: tuple[_Sink, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    sink, port = smtp
    config = load_alerts(_alerts_file(tmp_path, webhook.url, port))  # type: ignore[attr-defined]
    with target.open() as store:
        _stopped_run(store, "orders")
        for n in range(50):  # fifty parked records: one notice, not fifty
            store.park("orders", "orders", f"O-{n}", {"n": n}, "unknown VAT code", "X", None)
        notice = check_flow(store, "orders", config)
        assert notice is not None and len(notice.opened) == 51
        for _ in range(3):  # the same problems again: nothing more is sent
            _stopped_run(store, "orders")
            assert check_flow(store, "orders", config) is None
        assert len(webhook.received) == 1 and len(sink.messages) == 1
        headers, body = webhook.received[0]
        stamp, mac = (part.split("=", 1)[1] for part in headers[SIGNATURE_HEADER].split(","))
        expected = hmac.new(b"s3cret", f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(mac, expected)
        sent = json.loads(body)
        opened = {item["key"]: item["message"] for item in sent["opened"]}
        assert sent["flow"] == "orders" and len(opened) == 51
        assert "token was revoked" in opened["run"]
        assert opened["parked:orders:O-7"] == "unknown VAT code"
        mail = message_from_bytes(sink.messages[0])
        assert mail["To"] == "shop@example.com"  # the flow's own e-mail section
        assert "51 new problem(s)" in mail["Subject"]
        assert "run" in {alert.key for alert in store.open_alerts("orders")}

        run = store.start_run("orders")
        store.finish_run(run, status="ok", counts={})
        store.unpark_many("orders", "orders", [f"O-{n}" for n in range(50)])
        resolved = check_flow(store, "orders", config)
        assert resolved is not None and len(resolved.resolved) == 51 and not resolved.opened
        assert check_flow(store, "orders", config) is None
        assert len(webhook.received) == 2 and len(sink.messages) == 2
        assert store.open_alerts("orders") == []


def test_a_notice_that_could_not_be_sent_is_sent_at_the_next_check(
    target: StateTarget, tmp_path: Path, webhook: type[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    path = tmp_path / "alerts.toml"
    path.write_text(f'[webhook]\nurl = "{webhook.url}"\nsecret = "env:HOOK_SECRET"\n')  # type: ignore[attr-defined]
    config = load_alerts(path)
    with target.open() as store:
        _stopped_run(store, "orders")
        webhook.status = 503
        with pytest.raises(TransientError, match="answered 503"):
            check_flow(store, "orders", config)
        assert store.open_alerts("orders") == []
        webhook.status = 204
        assert check_flow(store, "orders", config) is not None
        assert len(webhook.received) == 2


def test_a_wrong_alerts_file_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text('[email]\nhost = "smtp"\nsender = "k@example.com"\nto = []\n')
    config = load_alerts(path)
    assert config is not None
    with pytest.raises(ConfigurationError, match=r"alerts: email\.to: expected one or more"):
        config.channels("orders")
    path.write_text('[webhook]\nurl = "https://x"\nsecret = "s"\nretries = 3\n')
    with pytest.raises(ConfigurationError, match=r"webhook\.retries: unknown key"):
        load_alerts(path)
