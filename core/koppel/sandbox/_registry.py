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


def sandbox_for(
    system: str,
    *,
    seed: int = 0,
    volume: int | None = None,
    pm: KoppelPluginManager | None = None,
) -> Sandbox:
    """The sandbox system ``system``'s plugin provides (hook ``koppel_sandbox``).

    :param volume: how many records of the main entities to generate (None: the demo's).
    :raises PluginError: when the system is unknown, its plugin has no sandbox, or
        ``volume`` is given and its sandbox takes none.
    """
    from koppel.plugins import get_plugin_manager
    from koppel.sandbox._app import Sandbox

    manager = pm or get_plugin_manager()
    hook = manager.hooks_for(system).koppel_sandbox
    if volume is not None and not any("volume" in i.argnames for i in hook.get_hookimpls()):
        raise PluginError(
            f"the sandbox of {system!r} takes no volume", system=system, field="volume"
        )
    sandbox = hook(seed=seed, volume=volume)
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
