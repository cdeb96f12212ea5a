"""direct_caller: the same answer as pluggy's call, whichever way it is made."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pluggy
import pytest

from koppel.engine._calls import direct_caller

spec = pluggy.HookspecMarker("calls")
impl = pluggy.HookimplMarker("calls")


class Specs:
    @spec(firstresult=True)
    def first(self, a: Any, b: Any) -> Any:
        """Stops at the first answer."""

    @spec
    def every(self, a: Any, b: Any) -> Any:
        """Collects every answer."""


def manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("calls")
    pm.add_hookspecs(Specs)
    for plugin in plugins:
        pm.register(plugin)
    return pm


def both(pm: pluggy.PluginManager, name: str, **kwargs: Any) -> tuple[Any, Any]:
    """pluggy's answer and direct_caller's, for the same call."""
    caller = getattr(pm.hook, name)
    return caller(**kwargs), direct_caller(caller)(**kwargs)


class Calls:
    """A plugin answering ``answer`` (recording that it was called in ``log``)."""

    def __init__(self, log: list[str], name: str, answer: Any) -> None:
        self.log, self.name, self.answer = log, name, answer

    def __call__(self, a: Any, b: Any) -> Any:
        self.log.append(self.name)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def plugin(
    log: list[str], name: str, answer: Any, *, tryfirst: bool = False, trylast: bool = False
) -> object:
    calls = Calls(log, name, answer)

    class Plugin:
        @impl(tryfirst=tryfirst, trylast=trylast)
        def first(self, a: Any, b: Any) -> Any:
            return calls(a, b)

        @impl(tryfirst=tryfirst, trylast=trylast)
        def every(self, a: Any, b: Any) -> Any:
            return calls(a, b)

    return Plugin()


ORDERS = [
    pytest.param([("p", "P", {})], id="one"),
    pytest.param([("p", "P", {}), ("q", "Q", {})], id="last-registered-first"),
    pytest.param([("p", None, {}), ("q", "Q", {}), ("r", "R", {})], id="one-returns-none"),
    pytest.param([("p", None, {}), ("q", None, {})], id="all-none"),
    pytest.param([("p", "P", {"tryfirst": True}), ("q", "Q", {})], id="tryfirst"),
    pytest.param([("p", "P", {}), ("q", "Q", {"trylast": True})], id="trylast"),
    pytest.param(
        [("p", None, {"trylast": True}), ("q", None, {"tryfirst": True}), ("r", 0, {})],
        id="mixed-falsy-answer",
    ),
    pytest.param([], id="none-registered"),
]


@pytest.mark.parametrize("plugins", ORDERS)
def test_firstresult_calls_in_pluggys_order_and_stops_at_the_first_answer(
    plugins: list[tuple[str, Any, dict[str, bool]]],
) -> None:
    expected: list[str] = []
    got: list[str] = []
    pm_expected = manager(*(plugin(expected, n, answer, **o) for n, answer, o in plugins))
    pm_got = manager(*(plugin(got, n, answer, **o) for n, answer, o in plugins))
    answer = pm_expected.hook.first(a=1, b=2)
    assert direct_caller(pm_got.hook.first)(a=1, b=2) == answer
    assert got == expected


def test_an_exception_propagates_and_later_implementations_are_not_called() -> None:
    log: list[str] = []
    error = ValueError("boom")
    pm = manager(plugin(log, "p", "P"), plugin(log, "q", error), plugin(log, "r", None))
    with pytest.raises(ValueError) as raised:
        direct_caller(pm.hook.first)(a=1, b=2)
    assert raised.value is error
    assert log == ["r", "q"]


def test_arguments_are_passed_by_name_whatever_the_implementations_take() -> None:
    class TakesB:
        @impl
        def first(self, b: Any) -> Any:
            return None

    class TakesBA:
        @impl
        def first(self, b: Any, a: Any) -> Any:
            return (b, a)

    class TakesNone:
        @impl(trylast=True)
        def first(self) -> Any:
            return "none"

    pm = manager(TakesNone(), TakesBA(), TakesB())
    assert both(pm, "first", a=1, b=2) == ((2, 1), (2, 1))
    pm = manager(TakesNone(), TakesB())
    assert both(pm, "first", a=1, b=2) == ("none", "none")


def test_a_wrapper_goes_through_pluggy() -> None:
    log: list[str] = []

    class Wraps:
        @impl(wrapper=True)
        def first(self, a: Any, b: Any) -> Generator[None, Any, Any]:
            answer = yield
            return f"wrapped {answer}"

    pm = manager(plugin(log, "p", "P"), plugin(log, "q", None), Wraps())
    assert both(pm, "first", a=1, b=2) == ("wrapped P", "wrapped P")


def test_an_old_style_hookwrapper_goes_through_pluggy() -> None:
    class Wraps:
        @impl(hookwrapper=True)
        def first(self, a: Any, b: Any) -> Generator[None, Any, None]:
            outcome = yield
            outcome.force_result("replaced")

    pm = manager(plugin([], "p", "P"), Wraps())
    assert both(pm, "first", a=1, b=2) == ("replaced", "replaced")


def test_a_hook_that_collects_every_answer_goes_through_pluggy() -> None:
    log: list[str] = []
    pm = manager(plugin(log, "p", "P"))
    assert both(pm, "every", a=1, b=2) == (["P"], ["P"])
    pm = manager(plugin(log, "p", None))
    assert both(pm, "every", a=1, b=2) == ([], [])


def test_an_implementation_with_a_default_goes_through_pluggy() -> None:
    class Defaults:
        @impl
        def first(self, a: Any, b: Any = "default") -> Any:
            return b

    pm = manager(Defaults())
    assert both(pm, "first", a=1, b=2) == (2, 2)
