"""Mapping functions that plugins register through the ``mapping_functions`` hook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from koppel.errors import PluginError
from koppel.mapping._functions import CORE_FUNCTIONS, builtin_function_names

__all__ = ["collect_functions", "registered_functions"]


def registered_functions() -> dict[str, Callable[..., Any]]:
    """Every function the installed plugins register, by name."""
    from koppel.plugins import get_plugin_manager

    return collect_functions(get_plugin_manager().pm)


def collect_functions(pm: Any) -> dict[str, Callable[..., Any]]:
    """Call each plugin's ``mapping_functions`` and merge the answers.

    :raises PluginError: naming the plugin, when an answer is not a table of
        callables, or a name is taken by JMESPath, core or another plugin.
    """
    taken = builtin_function_names() | set(CORE_FUNCTIONS) | {"lookup", "vat_code"}
    found: dict[str, Callable[..., Any]] = {}
    owners: dict[str, str] = {}
    for impl in pm.hook.mapping_functions.get_hookimpls():
        plugin = impl.plugin_name
        answer = impl.function()
        if answer is None:
            continue
        if not isinstance(answer, Mapping):
            raise PluginError(
                f"plugin {plugin!r}: mapping_functions() must return a mapping of name -> "
                f"function, not {type(answer).__name__}",
                plugin=plugin,
            )
        for name, function in answer.items():
            if not isinstance(name, str) or not name.isidentifier() or not callable(function):
                raise PluginError(
                    f"plugin {plugin!r}: mapping function {name!r} must be a callable "
                    "under an identifier",
                    plugin=plugin,
                )
            if name in taken:
                raise PluginError(
                    f"plugin {plugin!r}: mapping function {name}() is built in", plugin=plugin
                )
            if name in owners:
                first, second = sorted((owners[name], plugin))
                raise PluginError(
                    f"plugins {first!r} and {second!r} both register mapping function {name}()",
                    plugin=second,
                )
            owners[name] = plugin
            found[name] = function
    return found
