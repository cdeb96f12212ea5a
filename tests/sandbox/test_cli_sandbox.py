"""``koppel sandbox serve``: a plugin's sandbox over real HTTP on 127.0.0.1, and its options."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import click
import httpx
import pytest

import koppel.sandbox
from koppel import hookimpl
from koppel.cli import main
from koppel.cli.sandbox import configure, serve_until
from koppel.plugins import KoppelPluginManager
from koppel.sandbox import Sandbox, SandboxEndpoint
from koppel.system import SystemInfo
from koppel.testing import FakeClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from example_connector.sandbox import API_KEY, make_sandbox


def read_url(capsys: pytest.CaptureFixture[str]) -> str:
    for _ in range(250):
        out = capsys.readouterr().out
        if out:
            return out.splitlines()[0]
        time.sleep(0.02)
    raise AssertionError("the sandbox printed no URL")


def test_cli_sandbox_serves_over_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    box = make_sandbox()
    stop = threading.Event()
    thread = threading.Thread(target=serve_until, args=(box, "127.0.0.1", 0, stop))
    thread.start()
    try:
        url = read_url(capsys)
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
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


# -- the options: each is applied to the sandbox that would be served ---------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Sandbox, dict[str, Any]]]:
    """What ``koppel sandbox serve`` would serve, instead of serving it."""
    seen: list[tuple[Sandbox, dict[str, Any]]] = []

    def capture(box: Sandbox, host: str, port: int, stop: object, **kwargs: Any) -> None:
        seen.append((box, kwargs))

    monkeypatch.setattr("koppel.cli.sandbox.serve_until", capture)
    return seen


def serve(*options: str, system: str = "eaccounting") -> None:
    with pytest.raises(SystemExit) as info:
        main(["sandbox", "serve", system, "--port", "0", *options])
    assert info.value.code == 0


def call(box: Sandbox, method: str, path: str, **kwargs: Any) -> httpx.Response:
    token = box.oauth.grant().access_token if box.oauth else ""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(transport=box.transport()) as client:
        return client.request(method, f"https://sandbox.test{path}", headers=headers, **kwargs)


def test_cli_sandbox_volume_generates_that_many_orders(served: list[Any]) -> None:
    serve()
    serve("--volume", "5")
    default, five = (len(box.store["orders"]) for box, _ in served)
    assert (default, five) == (36, 5)
    assert served[1][1]["options"]["volume"] == 5


class _NoVolume:
    @hookimpl
    def koppel_system(self) -> SystemInfo:
        return SystemInfo(name="plain", title="Plain")

    @hookimpl
    def koppel_sandbox(self, seed: int) -> Sandbox:
        return Sandbox("plain")


def test_cli_sandbox_volume_of_a_sandbox_without_one_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pm = KoppelPluginManager()
    pm.register(_NoVolume(), "plain")
    monkeypatch.setattr(koppel.sandbox, "sandbox_for", partial(koppel.sandbox.sandbox_for, pm=pm))
    with pytest.raises(SystemExit) as info:
        main(["sandbox", "serve", "plain", "--volume", "5"])
    assert info.value.code == 2
    assert "--volume" in capsys.readouterr().err


def test_cli_sandbox_fault_rate_and_kinds_answer_eaccountings_429(served: list[Any]) -> None:
    serve("--fault-rate", "1", "--fault-kinds", "429", "--seed", "3")
    box = served[0][0]
    assert (box.faults.rate, box.faults.kinds, box.faults.seed) == (1.0, ("429",), 3)
    answer = call(box, "GET", "/v2/customers")
    assert answer.status_code == 429
    assert "Retry-After" not in answer.headers  # eAccounting says the wait in its message
    assert answer.json()["ErrorCode"] == 4010
    assert "Try again in 1 seconds" in answer.json()["DeveloperErrorMessage"]


def test_cli_sandbox_faults_after_lets_the_route_run_first(served: list[Any]) -> None:
    serve("--fault-rate", "1", "--fault-kinds", "500", "--faults-after", "1")
    box = served[0][0]
    customer = box.store["customers"].all()[0]
    body = {**customer, "Name": "Changed before the 500"}
    answer = call(box, "PUT", f"/v2/customers/{customer['Id']}", json=body)
    assert answer.status_code == 500
    assert box.store["customers"].get(customer["Id"])["Name"] == "Changed before the 500"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--fault-rate", "1.5"], "--fault-rate"),
        (["--fault-rate", "0.1", "--fault-kinds", "500,lost"], "--fault-kinds"),
        (["--fault-kinds", "500"], "--fault-kinds"),
        (["--faults-after", "0.5"], "--faults-after"),
        (["--fault-rate", "0.1", "--faults-after", "2"], "--faults-after"),
        (["--latency", "-1"], "--latency"),
        (["--token-lifetime", "0"], "--token-lifetime"),
        (["--volume", "-3"], "--volume"),
        (["--port", "70000"], "--port"),
        (["--ready-file", "/nonexistent-koppel-dir/ready.json"], "--ready-file"),
    ],
)
def test_cli_sandbox_bad_option_is_a_usage_error_naming_it(
    served: list[Any], capsys: pytest.CaptureFixture[str], options: list[str], named: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["sandbox", "serve", "eaccounting", "--port", "0", *options])
    assert info.value.code == 2
    assert named in capsys.readouterr().err
    assert served == []


def test_cli_sandbox_latency_is_slept_per_call(served: list[Any]) -> None:
    serve("--latency", "0.25")
    box = served[0][0]
    box.clock = clock = FakeClock()
    call(box, "GET", "/v2/units")
    assert clock.slept == [0.25]


def test_cli_sandbox_token_lifetime_sets_how_long_access_tokens_live(served: list[Any]) -> None:
    serve()
    serve("--token-lifetime", "7")
    default, short = (box.oauth.grant() for box, _ in served)
    now = datetime.now(UTC)
    assert 3590 < (default.expires_at - now).total_seconds() <= 3600
    assert 0 < (short.expires_at - now).total_seconds() <= 7


def test_cli_sandbox_token_lifetime_without_oauth_is_a_usage_error() -> None:
    with pytest.raises(click.BadParameter) as info:
        configure(make_sandbox(), token_lifetime=60)
    assert info.value.param_hint == "--token-lifetime"


def test_cli_sandbox_ready_file_holds_the_endpoint_while_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box = koppel.sandbox.sandbox_for("accountview")
    ready = tmp_path / "ready.json"
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_until, args=(box, "127.0.0.1", 0, stop), kwargs={"ready_file": ready}
    )
    thread.start()
    try:
        url = read_url(capsys)
        endpoint = SandboxEndpoint.read(ready, wait=5.0)
        assert endpoint.url == url and endpoint.system == "accountview"
        assert endpoint.settings == {
            "base_url": f"{url}/api/v3",
            "authorize_url": f"{url}/api/v3/authorize",
        }
        assert (endpoint.client_id, endpoint.client_secret) == ("sandbox-client", "sandbox-secret")
        assert endpoint.token_url == f"{url}/api/v3/token"
        assert json.loads(ready.read_text())["inspection_url"] == f"{url}/_sandbox"
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not ready.exists()


def test_cli_sandbox_serve_as_a_subprocess_on_port_0(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    args = ["sandbox", "serve", "eaccounting", "--port", "0", "--volume", "3"]
    koppel = str(Path(sys.executable).with_name("koppel"))  # the console script
    process = subprocess.Popen(
        [koppel, *args, "--ready-file", str(ready)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()  # the first line, flushed before anything else
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        assert httpx.get(f"{url}/v2/orders").status_code == 401  # a tiny request: no token
        inspection = f"{url}/_sandbox"
        assert httpx.get(f"{inspection}/collections").json()["collections"]["orders"] == 3
        orders = httpx.get(f"{inspection}/collections/orders").json()["records"]
        assert [o["Number"] for o in orders] == [1001, 1002, 1003]
        calls = httpx.get(f"{inspection}/calls").json()
        assert calls["calls"] == {"GET /v2/orders": 1} and calls["statuses"] == {"401": 1}
        assert SandboxEndpoint.read(ready, wait=5.0).url == url
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert out.rstrip().endswith("sandbox eaccounting stopped")
    assert not ready.exists()


def test_cli_sandbox_host_it_cannot_listen_on_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["sandbox", "serve", "eaccounting", "--port", "0", "--host", "256.1.1.1"])
    assert info.value.code == 2
    assert "cannot listen on 256.1.1.1:0" in capsys.readouterr().err
