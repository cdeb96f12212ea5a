"""Running a compiled mapping on one record: write rules, nulls, sub-mappings, errors.

Each field becomes a *step*, a flat tuple the loop unpacks without attribute
lookups; create and update get a plan of their own so that the loop asks
nothing it could have decided when the mapping compiled.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs
from jmespath import exceptions as jp_exceptions

from koppel.errors import MappingRecordError
from koppel.mapping._functions import FunctionCallError
from koppel.mapping._inline import Emit, Source

__all__ = [
    "UNKNOWN",
    "CompiledField",
    "Step",
    "build_fast",
    "build_plan",
    "finite_only",
    "finite_only_emit",
    "not_finite",
    "run_plan",
]

#: ``existing`` when the target's current data is not known: if-empty fields stay out.
UNKNOWN: Any = object()

_CREATE_ONLY, _IF_EMPTY = "create_only", "if_empty"
_NULL_RULES = {"keep": 0, "omit": 1, "error": 2}
_OMIT, _ERROR = 1, 2


@attrs.frozen
class CompiledField:
    """One target field, ready to run."""

    name: str
    path: tuple[str, ...]
    expression: str | None
    evaluate: Callable[[Any], Any] | None = attrs.field(repr=False)
    constant: Any
    has_constant: bool
    default: Any
    on_null: str
    write: str
    many: bool = False
    sub: tuple[CompiledField, ...] | None = None
    #: Writes ``evaluate`` as code (see :mod:`koppel.mapping._inline`); None calls it.
    emit: Emit | None = attrs.field(default=None, repr=False, eq=False)


@attrs.frozen
class _Sub:
    many: bool
    create: tuple[Step, ...]
    update: tuple[Step, ...]


#: (produce, top-level key or None, path, sub-mapping, null rule, if-empty check, field)
Step = tuple[
    Callable[[Any], Any], str | None, tuple[str, ...], _Sub | None, int, bool, CompiledField
]


def build_plan(fields: tuple[CompiledField, ...], *, update: bool) -> tuple[Step, ...]:
    """The steps for a create (every field) or an update (no create-only fields)."""
    steps: list[Step] = []
    for field in fields:
        if update and field.write == _CREATE_ONLY:
            continue
        sub = None
        if field.sub is not None:
            sub = _Sub(
                field.many, build_plan(field.sub, update=False), build_plan(field.sub, update=True)
            )
        key = field.path[0] if len(field.path) == 1 else None
        rule = _NULL_RULES[field.on_null]
        if_empty = update and field.write == _IF_EMPTY
        steps.append((_producer(field), key, field.path, sub, rule, if_empty, field))
    return tuple(steps)


def _producer(field: CompiledField) -> Callable[[Any], Any]:
    if field.has_constant:
        constant = field.constant
        if isinstance(constant, dict | list):
            return lambda data: copy.deepcopy(constant)
        return lambda data: constant
    evaluate = field.evaluate
    assert evaluate is not None
    default = field.default
    if default is None or field.sub is not None:
        return evaluate
    mutable = isinstance(default, dict | list)

    def with_default(data: Any) -> Any:
        value = evaluate(data)
        if value is None:
            return copy.deepcopy(default) if mutable else default
        return value

    return with_default


def build_fast(fields: tuple[CompiledField, ...]) -> Callable[[Any], dict[str, Any]] | None:
    """A create-mode mapper, written as one Python function, or None when a field needs
    the full loop (or Python's compiler refuses the function: a mapping nested deeper
    than its limits).

    Nested targets become one dict per parent object, lists a loop over the
    items; a field that omits a null is left out as :func:`run_plan` leaves it
    out, and a required field that gives no value raises. The result equals
    :func:`run_plan`'s, keys in the same order; on any exception the caller runs
    the full plan, which raises the precise record error. None when a nested
    target's fields are not together and one may be omitted: the full plan then
    places the target where its first value falls.
    """
    entries = _fast_entries(fields)
    if entries is None:
        return None
    source = Source()
    _expect_dict(source, "data")
    source.line(f"return {_emit_object(entries, source, 'data')}")
    return source.function("data")


#: (top-level key, the code of its value, left out when that gives null)
_Entry = tuple[str, Emit, bool]


def _fast_entries(fields: tuple[CompiledField, ...]) -> tuple[_Entry, ...] | None:
    groups: dict[str, list[CompiledField]] = {}
    previous = None
    for field in fields:
        key = field.path[0]
        apart = key in groups and key != previous
        if apart and any(member.on_null == "omit" for member in [*groups[key], field]):
            return None
        groups.setdefault(key, []).append(field)
        previous = key
    entries: list[_Entry] = []
    for key, members in groups.items():
        first = members[0]
        if len(first.path) == 1:
            produce = _emit_producer(first)
            if first.sub is not None:
                inner = _fast_entries(first.sub)
                if inner is None:
                    return None
                produce = _emit_sub(first, produce, inner)
            if first.on_null == "error":
                produce = _emit_required(produce, first)
            entries.append((key, produce, first.on_null == "omit"))
        else:
            nested = _fast_entries(tuple(attrs.evolve(f, path=f.path[1:]) for f in members))
            if nested is None:
                return None
            omits = any(omit for _, _, omit in nested)  # no value at all leaves the object out
            entries.append((key, _emit_nested(nested, none_if_empty=omits), omits))
    return tuple(entries)


def _expect_dict(source: Source, name: str) -> None:
    """Raise unless the local ``name`` is a dict (the full plan maps anything else)."""
    with source.block(f"if type({name}) is not dict:"):
        source.line("raise TypeError('not an object')")
    source.mark_dict(name)


def _emit_producer(field: CompiledField) -> Emit:
    """The code of :func:`_producer`."""
    if field.has_constant:
        constant = field.constant
        if isinstance(constant, dict | list):
            return lambda source, data: source.assign(
                f"{source.ref(copy.deepcopy)}({source.ref(constant)})"
            )
        return lambda source, data: source.ref(constant)
    emit = field.emit or _emit_call(field.evaluate)
    default = field.default
    if default is None or field.sub is not None:
        return emit
    mutable = isinstance(default, dict | list)

    def with_default(source: Source, data: str) -> str:
        value = emit(source, data)
        fallback = source.ref(default)
        if mutable:
            fallback = f"{source.ref(copy.deepcopy)}({fallback})"
        return source.assign(f"{fallback} if {value} is None else {value}")

    return with_default


def _emit_call(evaluate: Callable[[Any], Any] | None) -> Emit:
    assert evaluate is not None
    return lambda source, data: source.assign(f"{source.ref(evaluate)}({data})")


def _emit_object(entries: tuple[_Entry, ...], source: Source, data: str) -> str:
    """Write the dict of ``entries`` from the local ``data``; the name of the dict."""
    values = [(repr(key), emit(source, data), omit) for key, emit, omit in entries]
    count = next((index for index, (_, _, omit) in enumerate(values) if omit), len(values))
    target = source.assign(
        "{" + ", ".join(f"{key}: {value}" for key, value, _ in values[:count]) + "}"
    )
    for key, value, omit in values[count:]:
        if omit:
            source.line(f"if {value} is not None: {target}[{key}] = {value}")
        else:
            source.line(f"{target}[{key}] = {value}")
    return target


def _emit_nested(entries: tuple[_Entry, ...], *, none_if_empty: bool) -> Emit:
    def nested(source: Source, data: str) -> str:
        built = _emit_object(entries, source, data)
        return source.assign(f"{built} or None") if none_if_empty else built

    return nested


def _emit_required(emit: Emit, field: CompiledField) -> Emit:
    """``emit``, raising when it gives what a required field may not (the full plan says why)."""
    single = field.sub is None and not field.has_constant

    def required(source: Source, data: str) -> str:
        value = emit(source, data)
        test = f"{value} is None or (isinstance({value}, str) and not {value}.strip())"
        if single:
            test += f" or isinstance({value}, (dict, list))"
        with source.block(f"if {test}:"):
            source.line("raise ValueError('a required field has no value')")
        return value

    return required


def _emit_sub(field: CompiledField, emit: Emit, entries: tuple[_Entry, ...]) -> Emit:
    """The code of a sub-mapping: one object from the source's value, or one per item."""

    def one(source: Source, data: str) -> str:
        item, target = emit(source, data), source.local()
        with source.block(f"if {item} is None:"):
            source.line(f"{target} = None")
        with source.block("else:"):
            _expect_dict(source, item)
            source.line(f"{target} = {_emit_object(entries, source, item)}")
        return target

    def many(source: Source, data: str) -> str:
        items, target, item = emit(source, data), source.local(), source.local()
        with source.block(f"if {items} is None:"):
            source.line(f"{target} = []")
        with source.block(f"elif type({items}) is not list:"):
            source.line("raise TypeError('not a list')")  # the full plan names the field
        with source.block("else:"):
            source.line(f"{target} = []")
            with source.block(f"for {item} in {items}:"):
                _expect_dict(source, item)
                source.line(f"{target}.append({_emit_object(entries, source, item)})")
        return target

    return many if field.many else one


def run_plan(plan: tuple[Step, ...], data: Any, update: bool, existing: Any) -> dict[str, Any]:
    """Map ``data`` by ``plan``; ``existing`` is the target's data or :data:`UNKNOWN`."""
    out: dict[str, Any] = {}
    step: Step | None = None
    try:
        for step in plan:
            produce, key, path, sub, null_rule, if_empty, field = step
            if if_empty and (existing is UNKNOWN or not _is_empty(_existing_at(existing, path))):
                continue
            value = produce(data)
            if sub is not None:
                value = _map_sub(sub, field, value, update, existing)
            if null_rule:
                if value is None:
                    if null_rule == _OMIT:
                        continue
                    raise MappingRecordError(
                        f"{field.name} is required, but its expression gave null",
                        field=field.name,
                        expression=field.expression,
                        value="null",
                    )
                if null_rule == _ERROR and isinstance(value, str) and not value.strip():
                    raise MappingRecordError(
                        f"{field.name} is required, but its expression gave empty text",
                        field=field.name,
                        expression=field.expression,
                        value=repr(value),
                    )
                if (
                    null_rule == _ERROR
                    and sub is None
                    and not field.has_constant
                    and isinstance(value, dict | list)
                ):
                    raise MappingRecordError(
                        f"{field.name} is required, but its expression gave "
                        f"{'an object' if isinstance(value, dict) else 'an array'}, "
                        "not a single value",
                        field=field.name,
                        expression=field.expression,
                        value=_short(value),
                    )
            if key is not None:
                out[key] = value
            else:
                target = out
                for part in path[:-1]:
                    target = target.setdefault(part, {})
                target[path[-1]] = value
    except MappingRecordError:
        raise
    except Exception as exc:  # jmespath, a function, a plugin's function: this record only
        assert step is not None
        raise _record_error(step[6], exc) from exc
    return out


def _record_error(field: CompiledField, exc: Exception) -> MappingRecordError:
    if isinstance(exc, FunctionCallError):
        message, value = str(exc), _short(exc.value)
    elif isinstance(exc, jp_exceptions.JMESPathTypeError):
        expected = ", ".join(exc.expected_types)
        message = f"{exc.function_name}() expected {expected}, got {exc.actual_type}"
        value = _short(exc.current_value)
    else:
        message, value = f"{type(exc).__name__}: {exc}", None
    return MappingRecordError(message, field=field.name, expression=field.expression, value=value)


def _map_sub(sub: _Sub, field: CompiledField, value: Any, update: bool, existing: Any) -> Any:
    current = existing if existing is UNKNOWN else _existing_at(existing, field.path)
    plan = sub.update if update else sub.create
    if not sub.many:
        if value is None:
            return None
        return _run_item(plan, field, value, update, current, field.name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MappingRecordError(
            f"{field.name}[]: the source must give a list, got {type(value).__name__}",
            field=field.name,
            expression=field.expression,
            value=_short(value),
        )
    if current is UNKNOWN:
        return [
            _run_item(plan, field, item, update, UNKNOWN, f"{field.name}[{index}]")
            for index, item in enumerate(value)
        ]
    olds = current if isinstance(current, list) else []
    return [
        _run_item(
            plan,
            field,
            item,
            update,
            olds[index] if index < len(olds) else None,
            f"{field.name}[{index}]",
        )
        for index, item in enumerate(value)
    ]


def _run_item(
    plan: tuple[Step, ...], field: CompiledField, item: Any, update: bool, existing: Any, where: str
) -> dict[str, Any]:
    known = existing if existing is UNKNOWN or isinstance(existing, Mapping) else None
    try:
        return run_plan(plan, item, update, known)
    except MappingRecordError as exc:
        inner = str(exc.context.get("field", ""))
        prefix = field.name + ("[]." if field.many else ".")
        exc.context["field"] = where + "." + inner.removeprefix(prefix)
        raise


def finite_only(evaluate: Callable[[Any], Any], name: str, expression: str) -> Callable[[Any], Any]:
    """``evaluate``, refusing a number in its result that is not finite (inf, NaN):
    JSON cannot carry one, so neither the target nor the activity log could take it."""

    def finite(data: Any) -> Any:
        value = evaluate(data)
        kind = type(value)
        if kind is str or value is None or kind is int or kind is bool:
            return value
        if (kind is Decimal and value.is_finite()) or (kind is float and math.isfinite(value)):
            return value
        found = not_finite(value)
        if found is not None:
            path, bad = found
            where = f"{name}{path}" if path[:1] in ("", "[") else f"{name}.{path}"
            raise MappingRecordError(
                f"{where} is not a finite number: {bad!r}",
                field=where,
                expression=expression,
                value=repr(bad),
            )
        return value

    return finite


def finite_only_emit(emit: Emit) -> Emit:
    """``emit``, raising on a number in its result that is not finite (the full plan says where)."""

    def finite(source: Source, data: str) -> str:
        value = emit(source, data)
        plain, check, decimal = source.ref(_PLAIN), source.ref(not_finite), source.ref(Decimal)
        test = (
            f"type({value}) not in {plain} and {value} is not None"
            f" and not (type({value}) is {decimal} and {value}.is_finite()) and {check}({value})"
        )
        with source.block(f"if {test}:"):
            source.line("raise ValueError('not a finite number')")
        return value

    return finite


#: The types of a result that :func:`finite_only` passes without a look.
_PLAIN = (str, int, bool)


def not_finite(value: Any) -> tuple[str, Any] | None:
    """The path (``lines[1].price``) and value of the first number in a mapped record
    that is not finite (inf, NaN: JSON cannot carry it), or None when every number is."""
    if type(value) is not dict and type(value) is not list:
        return None if _finite(value) else ("", value)
    if not _has_not_finite(value):  # every record pays for this pass; keep it lean
        return None
    return _where(value, "")


def _finite(value: Any) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    return not isinstance(value, float) or math.isfinite(value)


def _has_not_finite(value: Any) -> bool:
    for item in value.values() if type(value) is dict else value:
        kind = type(item)
        if kind is str or item is None:
            continue
        if kind is dict or kind is list:
            if _has_not_finite(item):
                return True
        elif not _finite(item):
            return True
    return False


def _where(value: Any, path: str) -> tuple[str, Any] | None:
    if type(value) is dict or type(value) is list:
        items = value.items() if type(value) is dict else enumerate(value)
        for key, item in items:
            step = f"{path}[{key}]" if type(key) is int else f"{path}.{key}" if path else str(key)
            found = _where(item, step)
            if found is not None:
                return found
        return None
    return None if _finite(value) else (path, value)


def _existing_at(existing: Any, path: tuple[str, ...]) -> Any:
    value: Any = existing
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _short(value: Any) -> str:
    return repr(value)  # KoppelError cuts a long one
