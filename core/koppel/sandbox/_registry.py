"""Finding a system's sandbox through its plugin, and pointing connections at it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from koppel.errors import PluginError
from koppel.http import MemoryTokenStore

if TYPE_CHECKING:
    from koppel.plugins import KoppelPluginManager
    from koppel.sandbox._app import Sandbox
    from koppel.sync import Connection

__all__ = ["attach_sandbox", "sandbox_for"]


def sandbox_for(system: str, *, seed: int = 0, pm: KoppelPluginManager | None = None) -> Sandbox:
    """The sandbox system ``system``'s plugin provides (hook ``koppel_sandbox``).

    :raises PluginError: when the system is unknown or its plugin has no sandbox.
    """
    from koppel.plugins import get_plugin_manager
    from koppel.sandbox._app import Sandbox

    manager = pm or get_plugin_manager()
    sandbox = manager.hooks_for(system).koppel_sandbox(seed=seed)
    if sandbox is None:
        raise PluginError(f"the plugin for {system!r} provides no sandbox", system=system)
    if not isinstance(sandbox, Sandbox):
        raise PluginError(
            f"koppel_sandbox() returned {type(sandbox).__name__}, not a koppel.sandbox.Sandbox",
            system=system,
        )
    return sandbox


def attach_sandbox(connection: Connection, sandbox: Sandbox) -> Connection:
    """Point ``connection`` at ``sandbox``: its transport and clock, and a granted token if
    it uses OAuth.

    The connection's retries and rate-limit waits then run on the sandbox's clock,
    so a sandbox on a :class:`koppel.testing.FakeClock` makes no test sleep for real.
    Used by ``--sandbox`` runs and tests; returns the same connection.
    """
    connection.transport = sandbox.transport()
    connection.clock = sandbox.clock
    if sandbox.oauth is not None:
        store = connection.token_store or MemoryTokenStore()
        store.save(connection.name, sandbox.oauth.grant())
        connection.token_store = store
    return connection
