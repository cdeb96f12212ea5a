"""Plugin discovery, registration and per-system dispatch.

A connector is a package that declares an entry point in the ``koppel`` group.
Most name a :class:`koppel.connector.Connector` object (see :mod:`koppel.connector`)::

    [project.entry-points.koppel]
    acme = "koppel_acme.plugin:connector"

A plugin may also name a module that implements hooks itself::

    from koppel import hookimpl
    from koppel.system import EntityInfo, SystemInfo

    @hookimpl
    def koppel_system() -> SystemInfo:
        return SystemInfo(
            name="acme",
            title="Acme ERP",
            entities=(EntityInfo(name="customers", read=True, write=True, match_keys=("email",)),),
        )

Core's built-ins (the datamapper, dry run, ...) register through the same
manager. A plugin that fails to import, or whose hooks match no spec, is
reported as broken and left out; the rest keeps working. ``KOPPEL_DISABLE_PLUGINS``
(comma-separated names) leaves plugins out.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import os
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pluggy

from koppel import hookspecs
from koppel.errors import PluginError
from koppel.system import SystemInfo

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "BrokenPlugin",
    "KoppelPluginManager",
    "LoadedPlugin",
    "get_plugin_manager",
    "hookimpl",
]

ENTRY_POINT_GROUP = "koppel"

hookimpl = pluggy.HookimplMarker("koppel")

#: Core's own plugins: (name, module), registered before any entry point.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("datamapper", "koppel.mapping.plugin"),
    ("dry-run", "koppel.engine.dry_run"),
)


@attrs.frozen
class LoadedPlugin:
    """A plugin that registered: its name, distribution and, for a system plugin, its info."""

    name: str
    plugin: Any = attrs.field(repr=False)
    distribution: str | None = None
    version: str | None = None
    system: SystemInfo | None = None
    builtin: bool = False


@attrs.frozen
class BrokenPlugin:
    """A plugin that could not be loaded, with the reason."""

    name: str
    error: str
    distribution: str | None = None
    version: str | None = None


class KoppelPluginManager:
    """Loads plugins and hands out hook callers scoped to one system."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("koppel")
        self.pm.add_hookspecs(hookspecs)
        self.loaded: dict[str, LoadedPlugin] = {}
        self.broken: list[BrokenPlugin] = []
        self._systems: dict[str, LoadedPlugin] = {}
        self._scoped: dict[str, _SystemHooks] = {}
        self._functions: dict[str, Callable[..., Any]] | None = None

    # -- loading -----------------------------------------------------------

    def load_builtins(self, disabled: Iterable[str] = ()) -> None:
        """Register core's built-in plugins, except the disabled ones."""
        skip = set(disabled)
        for name, module in BUILTIN_PLUGINS:
            if name not in skip:
                self.register(importlib.import_module(module), name, builtin=True)

    def load_entry_points(self, disabled: Iterable[str] = ()) -> None:
        """Import and register every plugin of the ``koppel`` entry-point group."""
        skip = set(disabled)
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry_point.name in skip or entry_point.name in self.loaded:
                continue
            dist = entry_point.dist
            dist_name = dist.metadata["Name"] if dist else None
            version = dist.version if dist else None
            try:
                plugin = entry_point.load()
            except Exception as exc:  # a broken plugin never breaks koppel
                self.broken.append(
                    BrokenPlugin(entry_point.name, _describe(exc), dist_name, version)
                )
                continue
            try:
                self.register(plugin, entry_point.name, distribution=dist_name, version=version)
            except PluginError as exc:
                self.broken.append(BrokenPlugin(entry_point.name, exc.message, dist_name, version))

    def register(
        self,
        plugin: Any,
        name: str,
        *,
        distribution: str | None = None,
        version: str | None = None,
        builtin: bool = False,
    ) -> LoadedPlugin:
        """Register one plugin object or module, validating its hooks.

        :raises PluginError: naming the plugin, when a hook matches no spec, has
            arguments the spec does not know, or ``koppel_system`` fails.
        """
        try:
            self.pm.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise PluginError(f"plugin {name!r}: {_one_line(exc)}", plugin=name) from exc
        try:
            self.pm.check_pending()
            system = self._describe_system(plugin, name)
        except (pluggy.PluginValidationError, PluginError) as exc:
            self.pm.unregister(plugin)
            message = exc.message if isinstance(exc, PluginError) else _one_line(exc)
            raise PluginError(f"plugin {name!r}: {message}", plugin=name) from exc
        loaded = LoadedPlugin(name, plugin, distribution, version, system, builtin)
        self.loaded[name] = loaded
        self._functions = None
        if system is not None:
            self._systems[system.name] = loaded
            self._scoped.clear()
        return loaded

    def _describe_system(self, plugin: Any, name: str) -> SystemInfo | None:
        impl = getattr(plugin, "koppel_system", None)
        if impl is None:
            return None
        try:
            info = impl()
        except Exception as exc:
            raise PluginError(f"koppel_system() failed: {_describe(exc)}") from exc
        if not isinstance(info, SystemInfo):
            raise PluginError(f"koppel_system() returned {type(info).__name__}, not SystemInfo")
        if info.name in self._systems:
            other = self._systems[info.name].name
            raise PluginError(f"system {info.name!r} is already provided by plugin {other!r}")
        return info

    # -- dispatch ----------------------------------------------------------

    @property
    def systems(self) -> dict[str, SystemInfo]:
        """Every installed system by name."""
        return {name: p.system for name, p in self._systems.items() if p.system is not None}

    def system(self, name: str) -> SystemInfo:
        """The description of system ``name``.

        :raises PluginError: when no installed plugin provides it.
        """
        loaded = self._systems.get(name)
        if loaded is None or loaded.system is None:
            raise PluginError(self._missing(name), system=name)
        return loaded.system

    def _missing(self, name: str) -> str:
        """Why no plugin provides system ``name``, and what to do about it."""
        for broken in self.broken:
            if name == broken.name or broken.distribution in (name, f"koppel-{name}"):
                package = broken.distribution or broken.name
                return (
                    f"the plugin for system {name!r} ({package}) is installed but broken: "
                    f"{broken.error}; fix or reinstall {package} (koppel plugins lists it)"
                )
        known = sorted(self._systems)
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        if close:
            return f"no plugin provides system {name!r}; did you mean {close[0]!r}?"
        return (
            f"no plugin provides system {name!r} (installed: {', '.join(known) or 'none'}); "
            f"install it with pip, e.g. pip install koppel-{name}"
        )

    def mapping_functions(self) -> dict[str, Callable[..., Any]]:
        """The mapping functions these plugins register, by name (collected once).

        :raises PluginError: naming the plugin whose answer is wrong or whose name is taken.
        """
        if self._functions is None:
            from koppel.mapping import collect_functions

            self._functions = collect_functions(self.pm)
        return self._functions

    def hooks_for(self, system: str) -> _SystemHooks:
        """Hook callers that reach ``system``'s plugin and the cross-cutting ones only."""
        self.system(system)
        scoped = self._scoped.get(system)
        if scoped is None:
            others = [p.plugin for n, p in self._systems.items() if n != system]
            scoped = self._scoped[system] = _SystemHooks(self.pm, others)
        return scoped

    @property
    def hook(self) -> pluggy.HookRelay:
        """Hook callers over every plugin (for hooks that are not per system)."""
        return self.pm.hook

    def hook_names(self, plugin: Any) -> list[str]:
        """Names of the hooks ``plugin`` implements."""
        callers = self.pm.get_hookcallers(plugin) or []
        return sorted(caller.name for caller in callers)


class _SystemHooks:
    """Attribute access to hook callers limited to one system."""

    def __init__(self, pm: pluggy.PluginManager, other_systems: list[Any]) -> None:
        self._pm = pm
        self._others = other_systems
        self._callers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        caller = self._callers.get(name)
        if caller is None:
            if not hasattr(self._pm.hook, name):
                raise AttributeError(name)
            caller = self._pm.subset_hook_caller(name, remove_plugins=self._others)
            self._callers[name] = caller
        return caller


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_one_line(exc)}"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def disabled_plugins() -> list[str]:
    """Plugin names listed in ``KOPPEL_DISABLE_PLUGINS``."""
    raw = os.environ.get("KOPPEL_DISABLE_PLUGINS", "")
    return [name.strip() for name in raw.split(",") if name.strip()]


_manager: KoppelPluginManager | None = None


def get_plugin_manager(*, refresh: bool = False) -> KoppelPluginManager:
    """The process-wide plugin manager, loading built-ins and entry points on first use."""
    global _manager
    if _manager is None or refresh:
        manager = KoppelPluginManager()
        disabled = disabled_plugins()
        manager.load_builtins(disabled)
        manager.load_entry_points(disabled)
        _manager = manager
    return _manager
