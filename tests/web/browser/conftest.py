"""The dashboard in a real browser: ``koppel serve --sandbox`` over the demo's state in a
process of its own, driven by Playwright with Debian's Chromium (by its path).

Screenshots go to ``$KOPPEL_BROWSER_ARTIFACTS`` (default: the test's temporary folder);
with ``KOPPEL_DOCS_SCREENSHOTS=1`` those that docs/dashboard.md shows are written to
``docs/img/dashboard/`` as well.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

CHROMIUM_ENV = "KOPPEL_CHROMIUM"
MISSING = "Chromium is missing: apt-get install chromium, or set $KOPPEL_CHROMIUM to its path"
ARTIFACTS_ENV = "KOPPEL_BROWSER_ARTIFACTS"
DOCS_ENV = "KOPPEL_DOCS_SCREENSHOTS"
ROOT = Path(__file__).resolve().parents[3]
DOCS_IMG = ROOT / "docs" / "img" / "dashboard"
PASSWORD = "correct horse battery"
#: The ``koppel`` command installed beside this Python.
KOPPEL = str(Path(sys.executable).with_name("koppel"))
ORDERS = "eaccounting-orders-to-accountview"
RELATIONS = "easyparty-relations-xml"
DIRECT = "easyparty-relations-to-exact-online"


def chromium_path() -> str | None:
    """Debian's Chromium (``$KOPPEL_CHROMIUM`` overrides), or None when missing."""
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        return given if Path(given).is_file() else None
    return shutil.which("chromium")


def koppel(*args: str, cwd: Path, stdin: str | None = None) -> str:
    """Run the ``koppel`` command of this Python; its output (it must succeed, exit 1
    allowed for a run that parked records)."""
    done = subprocess.run(
        [KOPPEL, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), f"koppel {' '.join(args)}: {done.stderr}"
    return done.stdout + done.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@attrs.frozen
class Demo:
    """The demo served: its folder, flow files, state store and address."""

    folder: Path
    url: str
    orders: str = ORDERS
    relations: str = RELATIONS
    direct: str = DIRECT
    password: str = PASSWORD

    @property
    def orders_flow(self) -> Path:
        return self.folder / "flows" / f"{ORDERS}.toml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The README's demo run on the sandboxes (order 1036 parked), EasyParty's relations
    fetched into the queue, two users, and ``koppel serve --sandbox`` over it all."""
    if chromium_path() is None:
        pytest.skip(MISSING)
    folder = tmp_path_factory.mktemp("demo")
    flows = folder / "flows"
    flows.mkdir()
    for name in (ORDERS, RELATIONS, DIRECT):
        shutil.copy(ROOT / "examples" / f"{name}.toml", flows / f"{name}.toml")
    state = "demo.sqlite3"
    out = koppel("run", "--sandbox", "--state", state, f"flows/{ORDERS}.toml", cwd=folder)
    assert "AV-9999" in out, out
    koppel(
        "relations", "fetch", "--sandbox", "--state", state, f"flows/{RELATIONS}.toml", cwd=folder
    )
    for name, role in (("anna", "operator"), ("rob", "read-only")):
        koppel(
            "users", "add", name, "--role", role, "--password-stdin", "--state", state,
            cwd=folder, stdin=PASSWORD + "\n",
        )  # fmt: skip
    port = free_port()
    env = {**os.environ, "KOPPEL_WEB_SECRET": "browser-tests"}
    server = subprocess.Popen(
        [KOPPEL, "serve", "--sandbox", "--state", state,
         "--flows", "flows", "--port", str(port)],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=(folder / "serve.log").open("w"),
    )  # fmt: skip
    try:
        _wait_for(port, server, folder / "serve.log")
        yield Demo(folder=folder, url=f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"koppel serve stopped: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"koppel serve did not listen on {port}: {log.read_text()}")


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots are kept."""
    given = os.environ.get(ARTIFACTS_ENV)
    folder = Path(given) if given else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = chromium_path()
    if path is None:
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


class Shots:
    """Takes screenshots: into the artifacts, and into docs/img/dashboard/ when asked."""

    def __init__(self, artifacts: Path) -> None:
        self.artifacts = artifacts
        self.docs = os.environ.get(DOCS_ENV) == "1"

    def __call__(self, page: object, name: str, *, docs: bool = False) -> Path:
        """The whole page into the artifacts; with ``docs``, what the window shows into
        docs/img/dashboard/ too (when asked)."""
        path = self.artifacts / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        if docs and self.docs:
            DOCS_IMG.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(DOCS_IMG / path.name))  # type: ignore[attr-defined]
        return path


@pytest.fixture(scope="module")
def shot(artifacts: Path) -> Shots:
    return Shots(artifacts)
