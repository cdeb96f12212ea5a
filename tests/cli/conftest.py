"""Fixtures for the flow commands: in-memory systems in the process-wide plugin manager,
a flow file, and a state store on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet

import koppel.plugins
import koppel.state
from koppel.cli import cli
from koppel.engine.memory import MemorySystem
from koppel.plugins import KoppelPluginManager
from koppel.state._engine import resolve_url

FLOW = """
source = "shop"
target = "books"
entity = "{entity}"
{extra}

[connections.shop]
system = "shop"

[connections.books]
system = "books"
"""


@attrs.define
class FlowEnv:
    """A flow file over two in-memory systems, and a way to run koppel commands on it."""

    shop: MemorySystem
    books: MemorySystem
    path: Path
    state: str

    def write(self, entity: str = "customers", extra: str = "") -> Path:
        self.path.write_text(FLOW.format(entity=entity, extra=extra))
        return self.path

    def invoke(self, *args: str, state: bool = True) -> Result:
        argv = [*args, "--state", self.state] if state else list(args)
        return CliRunner().invoke(cli, argv, catch_exceptions=False)


@pytest.fixture(params=["sqlite", "postgres"])
def flow_env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FlowEnv]:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    shop, books = MemorySystem("shop"), MemorySystem("books")
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(shop, "shop")
    manager.register(books, "books")
    monkeypatch.setattr(koppel.plugins, "_manager", manager)
    path = tmp_path / "shop-customers.toml"
    if request.param == "sqlite":
        yield FlowEnv(shop, books, path, str(tmp_path / "state.sqlite3"))
        return
    url: str = request.getfixturevalue("postgres_url")
    schema = f"koppel_cli_{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(koppel.state, "open_state", partial(koppel.state.open_state, schema=schema))
    yield FlowEnv(shop, books, path, url)
    engine = sa.create_engine(resolve_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()
