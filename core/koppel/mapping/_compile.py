"""Compiling a specification once, applying it to many records."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from jmespath import exceptions as jp_exceptions

from koppel.errors import MappingError, MappingRecordError
from koppel.mapping._evaluator import Evaluator, check_functions, compile_expression
from koppel.mapping._functions import (
    CORE_FUNCTIONS,
    FunctionCallError,
    KoppelFunctions,
    make_lookup,
)
from koppel.mapping._spec import check_spec, expression_error, flatten_fields, merge_fields
from koppel.sync import Action

__all__ = ["CompiledField", "CompiledMapping", "compile_mapping"]

_KEEP, _OMIT, _ERROR = "keep", "omit", "error"
_ALWAYS, _CREATE_ONLY, _IF_EMPTY = "always", "create_only", "if_empty"
#: ``existing`` when the target's current data is not known: if-empty fields stay out.
_UNKNOWN: Any = object()


def compile_mapping(
    spec: Mapping[str, Any],
    *,
    name: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    lookups: Mapping[str, Mapping[str, Any]] | None = None,
    functions: Mapping[str, Callable[..., Any]] | None = None,
    file: str | None = None,
) -> CompiledMapping:
    """Compile a specification (with a flow's overrides and lookup tables) once.

    :param spec: the specification, e.g. from :func:`load_mapping_file`.
    :param name: what the mapping is called in errors, e.g. ``eaccounting/orders/inbound``.
    :param overrides: per-field overrides (same shape as ``spec``: ``{"fields": {...}}``).
    :param lookups: lookup tables by name; they replace the spec's tables of the same name.
    :param functions: extra functions; by default those plugins register through the
        ``mapping_functions`` hook.
    :param file: the file ``spec`` came from, for errors (read from ``spec.file`` if absent).
    :raises MappingError: naming the file, field, expression and error position.
    """
    file = file or getattr(spec, "file", None)
    fields = check_spec(spec, file=file)
    on_null = spec.get("on_null", _KEEP)
    if overrides:
        override_file = getattr(overrides, "file", None) or file
        unknown = sorted(set(overrides) - {"fields", "on_null", "lookups", "description"})
        if unknown:
            raise MappingError(
                f"unknown override key(s) {', '.join(unknown)}", file=override_file, mapping=name
            )
        if "fields" in overrides:
            extra = flatten_fields(overrides["fields"], file=override_file, overrides=True)
            fields = merge_fields(fields, extra)
        on_null = overrides.get("on_null", on_null)
        fields = check_spec({"fields": fields, "on_null": on_null}, file=override_file)
    tables: dict[str, Mapping[str, Any]] = {}
    for source in (spec.get("lookups"), (overrides or {}).get("lookups"), lookups):
        for table, entries in (source or {}).items():
            if not isinstance(entries, Mapping):
                raise MappingError(f"lookup table {table!r} must be a table", file=file)
            tables[str(table)] = {str(key): value for key, value in entries.items()}
    if functions is None:
        from koppel.mapping._registry import registered_functions

        functions = registered_functions()
    available = {**functions, **CORE_FUNCTIONS, "lookup": make_lookup(tables)}
    compiler = _Compiler(KoppelFunctions(available), tables, file, name)
    return CompiledMapping(
        name=name,
        compiled=compiler.fields(fields, on_null, ""),
        lookups=tables,
    )


@attrs.frozen
class CompiledField:
    """One target field, ready to run."""

    name: str
    path: tuple[str, ...]
    expression: str | None
    evaluate: Evaluator | None = attrs.field(repr=False)
    constant: Any
    has_constant: bool
    default: Any
    on_null: str
    write: str
    many: bool = False
    sub: tuple[CompiledField, ...] | None = None


class _Compiler:
    def __init__(
        self,
        functions: KoppelFunctions,
        tables: Mapping[str, Any],
        file: str | None,
        name: str | None,
    ) -> None:
        self.functions = functions
        self.tables = tables
        self.file = file
        self.name = name

    def fields(
        self, fields: Mapping[str, dict[str, Any]], on_null: str, parent: str
    ) -> tuple[CompiledField, ...]:
        return tuple(self.field(path, entry, on_null, parent) for path, entry in fields.items())

    def field(self, path: str, entry: dict[str, Any], on_null: str, parent: str) -> CompiledField:
        many = path.endswith("[]")
        target = path.removesuffix("[]")
        name = f"{parent}{target}"
        expression = entry.get("source", entry.get("expr"))
        evaluate = None if expression is None else self.expression(expression, name)
        sub = None
        if "fields" in entry:
            sub = self.fields(entry["fields"], on_null, f"{name}[]." if many else f"{name}.")
        return CompiledField(
            name=name,
            path=tuple(target.split(".")),
            expression=expression,
            evaluate=evaluate,
            constant=entry.get("value"),
            has_constant="value" in entry,
            default=entry.get("default"),
            on_null=entry.get("on_null", on_null),
            write=entry.get("write", _ALWAYS),
            many=many,
            sub=sub,
        )

    def expression(self, expression: str, field: str) -> Evaluator:
        try:
            problems = check_functions(expression, self.functions)
            evaluate = compile_expression(expression, self.functions)
        except jp_exceptions.JMESPathError as exc:
            raise expression_error(exc, expression, file=self.file, field=field).with_context(
                mapping=self.name
            ) from exc
        problems.extend(self._lookup_problems(expression))
        if problems:
            raise MappingError(
                f"expression {expression!r}: {problems[0]}",
                file=self.file,
                field=field,
                expression=expression,
                mapping=self.name,
            )
        return evaluate

    def _lookup_problems(self, expression: str) -> list[str]:
        import jmespath

        problems: list[str] = []

        def walk(node: dict[str, Any]) -> None:
            if node.get("type") == "function_expression" and node.get("value") == "lookup":
                first = node["children"][0] if node["children"] else None
                if first is not None and first["type"] == "literal":
                    table = first["value"]
                    if not isinstance(table, str) or table not in self.tables:
                        known = ", ".join(sorted(self.tables)) or "none"
                        problems.append(f"no lookup table {table!r} (tables: {known})")
            for child in node.get("children", ()):
                if isinstance(child, dict):
                    walk(child)

        walk(jmespath.compile(expression).parsed)
        return problems


class CompiledMapping:
    """A mapping compiled once; :meth:`apply` it to every record.

    ``fields`` are the target fields (dotted for nested targets); ``create_only``,
    ``if_empty`` and ``always`` split them by write rule.
    """

    def __init__(
        self,
        *,
        name: str | None,
        compiled: tuple[CompiledField, ...],
        lookups: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.name = name
        self.compiled = compiled
        self.lookups = lookups
        self.fields: tuple[str, ...] = tuple(f.name for f in compiled)
        self.create_only = frozenset(f.name for f in compiled if f.write == _CREATE_ONLY)
        self.if_empty = frozenset(f.name for f in compiled if f.write == _IF_EMPTY)
        self.always = frozenset(f.name for f in compiled if f.write == _ALWAYS)
        self.expressions: dict[str, str | None] = {f.name: f.expression for f in compiled}
        self._for_update = tuple(f for f in compiled if f.write != _CREATE_ONLY)

    def __repr__(self) -> str:
        return f"<CompiledMapping {self.name or '(unnamed)'}: {len(self.fields)} fields>"

    def apply(
        self,
        data: Any,
        *,
        action: Action | str | None = None,
        existing: Mapping[str, Any] | None = None,
        record_id: str | None = None,
    ) -> dict[str, Any]:
        """Map one record.

        :param data: the input record (native JSON inbound, canonical data outbound).
        :param action: ``update`` leaves out create-only fields, and if-empty fields
            whose value in ``existing`` is filled (or unknown); ``create`` and None
            write every field.
        :param existing: the target's current data, for if-empty fields.
        :param record_id: the record's id, named in errors.
        :raises MappingRecordError: naming the field, expression, value and record.
        """
        update = action == Action.UPDATE
        known = _UNKNOWN if existing is None else existing
        try:
            return _run(self._for_update if update else self.compiled, data, update, known)
        except MappingRecordError as exc:
            exc.with_context(mapping=self.name, record=record_id)
            raise


def _run(
    fields: tuple[CompiledField, ...],
    data: Any,
    update: bool,
    existing: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields:
        if update:
            if field.write == _CREATE_ONLY:
                continue
            if field.write == _IF_EMPTY and (
                existing is _UNKNOWN or not _is_empty(_existing_at(existing, field.path))
            ):
                continue
        if field.has_constant:
            value = field.constant
            if isinstance(value, dict | list):
                value = copy.deepcopy(value)
        else:
            value = _evaluate(field, data)
            if field.sub is not None:
                value = _map_sub(field, value, update, existing)
            elif value is None and field.default is not None:
                value = field.default
                if isinstance(value, dict | list):
                    value = copy.deepcopy(value)
        if value is None:
            if field.on_null == _OMIT:
                continue
            if field.on_null == _ERROR:
                raise MappingRecordError(
                    f"{field.name} is required, but its expression gave null",
                    field=field.name,
                    expression=field.expression,
                    value="null",
                )
        path = field.path
        if len(path) == 1:
            out[path[0]] = value
        else:
            target = out
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = value
    return out


def _evaluate(field: CompiledField, data: Any) -> Any:
    assert field.evaluate is not None
    try:
        return field.evaluate(data)
    except FunctionCallError as exc:
        raise MappingRecordError(
            str(exc), field=field.name, expression=field.expression, value=_short(exc.value)
        ) from exc
    except jp_exceptions.JMESPathTypeError as exc:
        raise MappingRecordError(
            f"{exc.function_name}() expected {', '.join(exc.expected_types)}, "
            f"got {exc.actual_type}",
            field=field.name,
            expression=field.expression,
            value=_short(exc.current_value),
        ) from exc
    except MappingRecordError:
        raise
    except Exception as exc:  # a plugin's function or jmespath itself: still this record only
        raise MappingRecordError(
            f"{type(exc).__name__}: {exc}", field=field.name, expression=field.expression
        ) from exc


def _map_sub(field: CompiledField, value: Any, update: bool, existing: Any) -> Any:
    assert field.sub is not None
    current = existing if existing is _UNKNOWN else _existing_at(existing, field.path)
    if not field.many:
        if value is None:
            return None
        return _run_sub(field, field.sub, value, update, current, field.name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MappingRecordError(
            f"{field.name}[]: the source must give a list, got {type(value).__name__}",
            field=field.name,
            expression=field.expression,
            value=_short(value),
        )
    olds = current if isinstance(current, list) else []
    return [
        _run_sub(
            field,
            field.sub,
            item,
            update,
            _UNKNOWN if current is _UNKNOWN else (olds[index] if index < len(olds) else None),
            f"{field.name}[{index}]",
        )
        for index, item in enumerate(value)
    ]


def _run_sub(
    field: CompiledField,
    sub: tuple[CompiledField, ...],
    item: Any,
    update: bool,
    existing: Any,
    where: str,
) -> dict[str, Any]:
    try:
        known = existing if existing is _UNKNOWN or isinstance(existing, Mapping) else None
        return _run(sub, item, update, known)
    except MappingRecordError as exc:
        inner = str(exc.context.get("field", ""))
        prefix = field.name + ("[]." if field.many else ".")
        exc.context["field"] = where + "." + inner.removeprefix(prefix)
        raise


def _existing_at(existing: Mapping[str, Any] | None, path: tuple[str, ...]) -> Any:
    value: Any = existing
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
