"""Sandboxes served by ``koppel sandbox serve`` in another process, for tests that run
``koppel`` as a subprocess against them.

::

    with served_sandbox("eaccounting", volume=200) as ea, served_sandbox("accountview") as av:
        flow = point_flow("examples/eaccounting-orders-to-accountview.toml",
                          tmp_path / "orders.toml", [ea.endpoint, av.endpoint])
        env = {**os.environ, **flow.env, "KOPPEL_SECRET_KEY": key}
        authorize_flow(flow, env=env)
        subprocess.run(koppel_command("run", str(flow.path)), env=env)
        assert len(av.collection("SO_HDR")) == ...
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from koppel.sandbox import PointedFlow, SandboxEndpoint

__all__ = ["ServedSandbox", "authorize_flow", "koppel_command", "served_sandbox"]


def koppel_command(*args: str) -> list[str]:
    """The command line that runs ``koppel ARGS`` with this interpreter (for subprocesses)."""
    return [sys.executable, "-c", "from koppel.cli import main; main()", *args]


class ServedSandbox:
    """A running ``koppel sandbox serve``: its endpoint and the inspection routes."""

    def __init__(self, endpoint: SandboxEndpoint, process: subprocess.Popen[bytes]) -> None:
        self.endpoint = endpoint
        self.process = process

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:40211``."""
        return self.endpoint.url

    def collections(self) -> dict[str, int]:
        """Records per collection of the sandbox's store."""
        counts: dict[str, int] = self._inspect("collections")["collections"]
        return counts

    def collection(self, name: str) -> list[dict[str, Any]]:
        """The records of collection ``name``."""
        records: list[dict[str, Any]] = self._inspect(f"collections/{name}")["records"]
        return records

    def calls(self) -> dict[str, Any]:
        """Call counts, answers by status, faults that struck and token refreshes."""
        counts: dict[str, Any] = self._inspect("calls")
        return counts

    def _inspect(self, route: str) -> dict[str, Any]:
        answer = httpx.get(f"{self.endpoint.inspection_url}/{route}", timeout=10.0)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data


@contextmanager
def served_sandbox(
    system: str,
    *,
    seed: int = 0,
    volume: int | None = None,
    fault_rate: float = 0.0,
    fault_kinds: Sequence[str] = (),
    faults_after: float = 0.0,
    latency: float = 0.0,
    token_lifetime: int | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Iterator[ServedSandbox]:
    """Start ``koppel sandbox serve SYSTEM --port 0`` in a subprocess, wait until it
    answers, yield it, and stop it.

    The options are ``serve``'s (see ``koppel sandbox serve --help``).

    :param env: the subprocess's environment (this process's by default).
    :param timeout: seconds to wait for it to answer.
    :raises RuntimeError: with its standard error when it does not start.
    """
    args = ["sandbox", "serve", system, "--port", "0", "--seed", str(seed)]
    if volume is not None:
        args += ["--volume", str(volume)]
    if fault_rate:
        args += ["--fault-rate", str(fault_rate), "--faults-after", str(faults_after)]
        if fault_kinds:
            args += ["--fault-kinds", ",".join(fault_kinds)]
    if latency:
        args += ["--latency", str(latency)]
    if token_lifetime is not None:
        args += ["--token-lifetime", str(token_lifetime)]
    with tempfile.TemporaryDirectory(prefix="koppel-served-") as folder:
        ready = Path(folder) / "ready.json"
        errors = Path(folder) / "stderr.txt"
        with errors.open("wb") as stderr:
            process = subprocess.Popen(
                koppel_command(*args, "--ready-file", str(ready)),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=dict(env) if env is not None else None,
            )
        try:
            endpoint = _wait_until_ready(process, ready, errors, timeout)
            yield ServedSandbox(endpoint, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(
    process: subprocess.Popen[bytes], ready: Path, errors: Path, timeout: float
) -> SandboxEndpoint:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            message = errors.read_text(errors="replace").strip()
            raise RuntimeError(f"koppel sandbox serve exited {process.returncode}: {message}")
        if ready.is_file():
            endpoint = SandboxEndpoint.read(ready)
            try:
                httpx.get(f"{endpoint.inspection_url}/calls", timeout=2.0).raise_for_status()
            except httpx.HTTPError:
                pass
            else:
                return endpoint
        time.sleep(0.05)
    raise RuntimeError(f"koppel sandbox serve did not answer within {timeout} s")


def authorize_flow(
    flow: PointedFlow,
    *,
    state: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> None:
    """Authorise each connection of ``flow`` that a served sandbox with OAuth reaches.

    Per connection: a code from the sandbox's authorize endpoint, then ``koppel
    auth CONNECTION --flow FLOW --code CODE`` in a subprocess, which stores the
    token in the flow's state store (or ``state``), where ``koppel run`` finds it.

    :param env: the subprocesses' environment; it needs ``KOPPEL_SECRET_KEY`` and
        ``flow.env`` (by default: this process's environment with ``flow.env``).
    :raises RuntimeError: with ``koppel auth``'s output when it fails.
    """
    environment = dict(env) if env is not None else {**os.environ, **flow.env}
    for name, endpoint in flow.connections.items():
        if endpoint.authorize_url is None:
            continue
        args = ["auth", name, "--flow", str(flow.path), "--code", endpoint.grant_code()]
        if state is not None:
            args += ["--state", state]
        done = subprocess.run(
            koppel_command(*args), env=environment, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"koppel auth {name} exited {done.returncode}: {done.stderr}")
