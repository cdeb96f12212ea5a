"""Calling per-record hooks without pluggy's per-call overhead when nothing can differ."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["direct_caller"]


def direct_caller(caller: Any) -> Callable[..., Any]:
    """A callable taking the hook's keyword arguments, same result as ``caller(**kwargs)``.

    With exactly one implementation and no wrapper, the implementation is called
    straight away (a firstresult hook with one implementation returns its
    answer); otherwise every call goes through pluggy. Take it once per run:
    plugins registered later are not seen.
    """
    impls = caller.get_hookimpls()
    if len(impls) != 1 or impls[0].hookwrapper or impls[0].wrapper:
        return lambda **kwargs: caller(**kwargs)
    function = impls[0].function
    names = tuple(impls[0].argnames)
    return lambda **kwargs: function(*[kwargs[name] for name in names])
