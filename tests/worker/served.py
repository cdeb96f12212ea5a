"""Worker tests' helpers: a PostgreSQL database of their own, the e2e suite's served
orders (eAccounting -> AccountView sandboxes on loopback), ``koppel worker`` processes."""

from __future__ import annotations

import importlib.util
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from koppel.state._engine import resolve_url
from koppel.testing import koppel_command

_SPEC = importlib.util.spec_from_file_location(
    "koppel_e2e_served", Path(__file__).parents[1] / "e2e" / "served.py"
)
assert _SPEC is not None and _SPEC.loader is not None
e2e = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(e2e)
served_orders = e2e.served_orders


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url`` (procrastinate's tables live in its
    public schema, so every test gets a database of its own); dropped afterwards."""
    name = f"koppel_worker_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(resolve_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield resolve_url(url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def start_worker(
    folder: Path, state: str, env: Mapping[str, str], *args: str
) -> subprocess.Popen[str]:
    """``koppel worker --flows FOLDER --state STATE ARGS`` in a subprocess."""
    return subprocess.Popen(
        koppel_command("worker", "--flows", str(folder), "--state", state, *args),
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(check: Callable[[], object], timeout: float = 90.0, what: str = "") -> object:
    """Poll ``check`` until it answers something true; that answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")
