"""One generated (un)structure function per attrs record class, koppel's hooks inlined.

cattrs' generated functions call a hook per field and build a dict for
``cls(**res)``. These call the class with every field as a keyword (its default,
or a fresh factory value, when the key is missing) and write koppel's own
hooks (text, money, dates, ``X | None``, ``tuple[X, ...]``) into the function
as expressions. The hooks come from the converter, so a hook registered on it
for a field's type is called, not inlined. A class these do not cover (generic,
``init=False``, ``Final`` or ``Annotated`` fields, a factory taking ``self``) gets
cattrs' own function. :func:`evolve` is generated per class in the same way.
"""

from __future__ import annotations

import functools
import itertools
import linecache
import threading
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.fns import identity

from koppel.records import _hooks
from koppel.records._hooks import StructureHook, UnstructureHook

__all__ = ["evolve", "is_record_class", "structure_fn", "unstructure_fn"]

T = TypeVar("T")

_generating = threading.local()


def is_record_class(cls: Any) -> bool:
    """True for a plain attrs class (not a parametrised generic)."""
    return isinstance(cls, type) and attrs.has(cls)


class _Source:
    """Lines of a generated function and the objects its names refer to."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {
            "Decimal": Decimal,
            "structure_str": _hooks.structure_str,
            "to_decimal": _hooks.to_decimal,
            "to_date": _hooks.to_date,
            "to_datetime": _hooks.to_datetime,
        }
        self._ids = itertools.count()
        self.lines: list[str] = []

    def name(self, obj: Any) -> str:
        """A fresh name for ``obj`` in the generated function's globals."""
        key = f"_g{next(self._ids)}"
        self.names[key] = obj
        return key

    def construct(self, cls: type, arguments: str) -> list[str]:
        """Lines returning ``cls(arguments)``.

        When ``cls`` is made by ``type.__call__`` and ``object.__new__`` (attrs classes
        are), as ``object.__new__`` and a direct call of its ``__init__``: calling the
        class would first pack the keywords into a dict for ``__init__``.
        """
        name = self.name(cls)
        new: Any = cls.__new__
        if type(cls).__call__ is not type.__call__ or new is not object.__new__:
            return [f"  return {name}({arguments})"]
        made = "__made"  # not a field's name, unlike "record"
        return [
            f"  {made} = {self.name(new)}({name})",
            f"  {name}.__init__({made}, {arguments})",
            f"  return {made}",
        ]

    def compile(self, fn_name: str, cls: type) -> Callable[..., Any]:
        """The function ``fn_name`` defined by the lines."""
        filename = f"<koppel generated {fn_name} {cls.__module__}.{cls.__qualname__}>"
        text = "\n".join(self.lines) + "\n"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        code = compile(text, filename, "exec")
        # the text comes from the class's fields and the converter's hooks, never from data
        exec(code, self.names)
        return self.names[fn_name]  # type: ignore[no-any-return]


def _plain_fields(cls: type) -> tuple[attrs.Attribute[Any], ...] | None:
    """The class's fields when the generated functions cover them, else None (a generic,
    or a class whose ``__init__`` attrs did not write: its own defaults may differ)."""
    if getattr(cls, "__parameters__", ()) or not _attrs_init(cls):
        return None
    attrs.resolve_types(cls)
    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(cls)
    for field in fields:
        default: Any = field.default
        tp: Any = field.type
        if (
            not field.init
            or tp is None
            or tp is typing.Final
            or typing.get_origin(tp) in (typing.Annotated, typing.Final)
            or (isinstance(default, attrs.Factory) and default.takes_self)  # type: ignore[arg-type]
        ):
            return None
    return fields


def _attrs_init(cls: type) -> bool:
    """True when ``cls.__init__`` is the one attrs wrote for ``cls``'s fields."""
    code = getattr(cls.__init__, "__code__", None)  # type: ignore[misc]
    return code is not None and code.co_filename.startswith("<attrs generated")


def _guarded(make: Callable[[cattrs.Converter, type], Any]) -> Any:
    """``make`` with a guard against a class whose fields lead back to it."""

    @functools.wraps(make)
    def guarded(converter: cattrs.Converter, cls: type) -> Any:
        working: set[type] = _generating.__dict__.setdefault("classes", set())
        if cls in working:
            raise RecursionError(cls)
        working.add(cls)
        try:
            return make(converter, cls)
        finally:
            working.discard(cls)

    return guarded


@_guarded
def structure_fn(converter: cattrs.Converter, cls: type) -> StructureHook:
    """The structure hook of ``cls`` for a converter without detailed validation."""
    fields = _plain_fields(cls)
    if fields is None:
        return converter.gen_structure_attrs_fromdict(cls)
    src = _Source()
    src.lines.append("def structure(o, _=None):")
    for index, field in enumerate(fields):
        local = f"f{index}"
        value = _structure_expr(
            src, converter, field.type, _structure_hook(converter, field.type), "v", 0
        )
        if field.default is attrs.NOTHING:
            src.lines += [f"  v = o[{field.name!r}]", f"  {local} = {value}"]
            continue
        default: Any = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            missing = f"{src.name(default.factory)}()"
        else:
            missing = src.name(default)
        src.lines += [
            f"  if {field.name!r} in o:",
            f"    v = o[{field.name!r}]",
            f"    {local} = {value}",
            "  else:",
            f"    {local} = {missing}",
        ]
    arguments = ", ".join(f"{field.alias}=f{index}" for index, field in enumerate(fields))
    src.lines += src.construct(cls, arguments)
    return src.compile("structure", cls)


def _structure_hook(converter: cattrs.Converter, tp: Any) -> StructureHook:
    """The converter's structure hook of ``tp``."""
    try:
        return converter.get_structure_hook(tp)
    except RecursionError:  # the class is being generated: look its hook up when called
        return converter.structure


def _structure_expr(
    src: _Source, converter: cattrs.Converter, tp: Any, hook: StructureHook, value: str, depth: int
) -> str:
    """An expression structuring the local ``value`` as ``tp`` with ``hook``."""
    if hook is _hooks.structure_str:
        if tp is not str:  # a StrEnum checks with its own constructor
            return f"{src.name(tp)}({value})"
        return f"{value} if {value}.__class__ is str else structure_str({value}, str)"
    if hook is _hooks.structure_optional_str:
        return (
            f"{value} if {value} is None or {value}.__class__ is str"
            f" else structure_str({value}, str)"
        )
    if hook is _hooks.structure_decimal:
        return (
            f"{value} if {value}.__class__ is Decimal and {value}.is_finite()"
            f" else to_decimal({value})"
        )
    if hook is _hooks.structure_optional_decimal:
        return (
            f"{value} if {value} is None or ({value}.__class__ is Decimal and {value}.is_finite())"
            f" else to_decimal({value})"
        )
    if hook is _hooks.structure_date:
        return f"to_date({value})"
    if hook is _hooks.structure_datetime:
        return f"to_datetime({value})"
    if hook == converter._structure_call:  # bool, int, float, enums: cattrs calls the type
        return f"{src.name(tp)}({value})"
    if isinstance(hook, functools.partial) and hook.func is _hooks.none_or_structured:
        inner_value = _structure_expr(src, converter, hook.args[1], hook.args[0], value, depth)
        return f"None if {value} is None else ({inner_value})"
    if isinstance(hook, functools.partial) and hook.func is _hooks.structured_items:
        item = f"i{depth}"
        inner_value = _structure_expr(src, converter, hook.args[1], hook.args[0], item, depth + 1)
        return f"tuple([{inner_value} for {item} in {value}])"
    return f"{src.name(hook)}({value}, {src.name(tp)})"


@_guarded
def unstructure_fn(converter: cattrs.Converter, cls: type) -> UnstructureHook:
    """The unstructure hook of ``cls``: a dict of every field, by name."""
    fields = _plain_fields(cls)
    if fields is None:
        return converter.gen_unstructure_attrs_fromdict(cls)
    src = _Source()
    src.lines.append("def unstructure(i):")
    items = []
    for index, field in enumerate(fields):
        local = f"f{index}"
        value = _unstructure_expr(src, _unstructure_hook(converter, field.type), local, 0)
        if value == local:
            items.append(f"{field.name!r}: i.{field.name}")
        else:
            src.lines.append(f"  {local} = i.{field.name}")
            items.append(f"{field.name!r}: {value}")
    src.lines.append("  return {" + ", ".join(items) + "}")
    return src.compile("unstructure", cls)


def _unstructure_hook(converter: cattrs.Converter, tp: Any) -> UnstructureHook:
    """The converter's unstructure hook of ``tp``."""
    try:
        return converter.get_unstructure_hook(tp)
    except RecursionError:  # the class is being generated: look its hook up when called
        return functools.partial(converter.unstructure, unstructure_as=tp)


def _unstructure_expr(src: _Source, hook: UnstructureHook, value: str, depth: int) -> str:
    """An expression unstructuring the local ``value`` with ``hook``."""
    if hook is identity:
        return value
    if hook is _hooks.isoformat:
        return f"{value}.isoformat()"
    if isinstance(hook, functools.partial) and hook.func is _hooks.none_or_unstructured:
        inner_value = _unstructure_expr(src, hook.args[0], value, depth)
        return f"None if {value} is None else {inner_value}"
    if isinstance(hook, functools.partial) and hook.func is _hooks.unstructured_items:
        item = f"i{depth}"
        inner_value = _unstructure_expr(src, hook.args[0], item, depth + 1)
        return f"[{inner_value} for {item} in {value}]"
    return f"{src.name(hook)}({value})"


def evolve(record: T, /, **changes: Any) -> T:
    """A copy of the attrs ``record`` with ``changes``, as :func:`attrs.evolve` makes it.

    Through a function generated once per class that names every field, instead of
    attrs' loop over the fields per call (this runs for every order).
    """
    return _evolver(record.__class__)(record, **changes)  # type: ignore[arg-type,no-any-return]


@functools.cache
def _evolver(cls: type) -> Callable[..., Any]:
    """``evolve`` for ``cls``: each field from ``changes`` or the record; any other change
    goes to ``cls``, which refuses it as attrs does."""
    fields = [field for field in attrs.fields(cls) if field.init]
    src = _Source()
    missing = src.name(attrs.NOTHING)
    parameters = "".join(f", {field.alias}={missing}" for field in fields)
    arguments = "".join(
        f"{field.alias}=__record.{field.name} if {field.alias} is {missing} else {field.alias}, "
        for field in fields
    )
    src.lines.append(f"def evolve(__record, /, *{parameters}, **__other):")
    src.lines += src.construct(cls, f"{arguments}**__other")
    return src.compile("evolve", cls)
