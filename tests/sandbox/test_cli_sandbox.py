"""``koppel sandbox serve``: a plugin's sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from koppel.cli import main
from koppel.cli.sandbox import serve_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from example_connector.sandbox import API_KEY, make_sandbox


def test_cli_sandbox_serves_over_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    box = make_sandbox()
    stop = threading.Event()
    thread = threading.Thread(target=serve_until, args=(box, "127.0.0.1", 0, stop))
    thread.start()
    try:
        for _ in range(100):
            out = capsys.readouterr().out
            if "serving on" in out:
                break
            time.sleep(0.02)
        url = out.split("serving on ")[1].split()[0]
        headers = {"X-API-Key": API_KEY}
        answer = httpx.get(f"{url}/v1/customers", params={"limit": 5}, headers=headers)
        assert answer.status_code == 200 and len(answer.json()["items"]) == 5
        assert answer.headers["X-RateLimit-Remaining"] == "599"
        assert httpx.get(f"{url}/v1/customers").status_code == 401
        box.faults.inject("reset")
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{url}/v1/customers", headers=headers)
        assert box.count("GET", "/v1/customers") == 3
    finally:
        stop.set()
        thread.join(timeout=5)
    assert "stopped" in capsys.readouterr().out


def test_cli_sandbox_unknown_system_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["sandbox", "serve", "no-such-system", "--port", "0"])
    assert info.value.code == 2
    assert "no plugin provides system 'no-such-system'" in capsys.readouterr().err
