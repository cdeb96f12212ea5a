"""Calling per-record hooks without pluggy's per-call overhead when nothing can differ."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any

__all__ = ["direct_caller"]

#: Gives an implementation's arguments, in order, from the call's keyword arguments.
_Pick = Callable[[Mapping[str, Any]], tuple[Any, ...]]


def direct_caller(caller: Any) -> Callable[..., Any]:
    """A callable taking the hook's keyword arguments, same result as ``caller(**kwargs)``.

    For a ``firstresult`` hook whose implementations are plain (no wrapper, no
    parameter with a default) and whose specification has no defaults, the
    implementations are called straight away in pluggy's order (the last
    registered, ``tryfirst`` first): the first answer that is not None is the
    result, an exception propagates. Otherwise every call goes through pluggy.
    Take it once per run: plugins registered later are not seen.
    """
    impls = caller.get_hookimpls()
    if not _plain(caller, impls):
        return lambda **kwargs: caller(**kwargs)
    calls = tuple((impl.function, _picker(tuple(impl.argnames))) for impl in reversed(impls))
    if len(calls) == 1:
        function, pick = calls[0]
        return lambda **kwargs: function(*pick(kwargs))

    def first_result(**kwargs: Any) -> Any:
        for function, pick in calls:
            result = function(*pick(kwargs))
            if result is not None:
                return result
        return None

    return first_result


def _plain(caller: Any, impls: list[Any]) -> bool:
    """True when calling ``impls`` directly gives what pluggy's call of ``caller`` gives."""
    spec = caller.spec
    if spec is None or not spec.opts.get("firstresult"):
        return False
    if getattr(spec, "kwargdefaults", None):  # pluggy >= 1.6 fills these in
        return False
    return all(not (impl.wrapper or impl.hookwrapper or impl.kwargnames) for impl in impls)


def _picker(names: tuple[str, ...]) -> _Pick:
    """A function giving the values of ``names``, in order, from keyword arguments."""
    if len(names) > 1:
        pick: _Pick = itemgetter(*names)
        return pick
    return lambda kwargs: tuple([kwargs[name] for name in names])
