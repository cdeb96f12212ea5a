"""Fixtures for the flow commands: in-memory systems in the process-wide plugin manager,
a flow file, and a state store on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet

import koppel.plugins
import koppel.state
from koppel.cli import cli
from koppel.engine.memory import MemorySystem
from koppel.plugins import KoppelPluginManager
from koppel.testing import StateTarget

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


@pytest.fixture
def flow_env(
    koppel_state_target: StateTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FlowEnv:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())
    shop, books = MemorySystem("shop"), MemorySystem("books")
    manager = KoppelPluginManager()
    manager.load_builtins()
    manager.register(shop, "shop")
    manager.register(books, "books")
    monkeypatch.setattr(koppel.plugins, "_manager", manager)
    path = tmp_path / "shop-customers.toml"
    schema = koppel_state_target.schema
    if schema is not None:
        opener = partial(koppel.state.open_state, schema=schema)
        monkeypatch.setattr(koppel.state, "open_state", opener)
    return FlowEnv(shop, books, path, koppel_state_target.url)
