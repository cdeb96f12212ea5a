"""Compiling a specification once, applying it to many records."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from jmespath import exceptions as jp_exceptions

from koppel.errors import MappingError, MappingRecordError
from koppel.mapping._apply import (
    UNKNOWN,
    CompiledField,
    Step,
    build_fast,
    build_plan,
    finite_only,
    finite_only_emit,
    not_finite,
    run_plan,
)
from koppel.mapping._evaluator import check_functions, compile_expression
from koppel.mapping._functions import (
    CORE_FUNCTIONS,
    KoppelFunctions,
    make_lookup,
    make_vat_code,
)
from koppel.mapping._inline import Emit, Inliner
from koppel.mapping._spec import check_spec, expression_error, flatten_fields, merge_fields
from koppel.sync import Action

__all__ = ["CompiledMapping", "compile_mapping"]

_KEEP = "keep"
_ALWAYS, _CREATE_ONLY, _IF_EMPTY = "always", "create_only", "if_empty"
#: Core's functions whose result is text, or a finite number, or null (never inf or NaN).
_FINITE_FUNCTIONS = frozenset(
    {"to_decimal", "round_money", "to_string", "upper", "lower", "trim", "replace", "concat"}
    | {"join", "to_date", "to_datetime", "country_code", "split", "split_street"}
)
#: JMESPath's built-ins of that kind (unless a plugin's function takes the name).
_FINITE_BUILTINS = frozenset({"length", "type", "keys", "contains", "starts_with", "ends_with"})


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
            found = not_finite(tables[str(table)])
            if found is not None:
                raise MappingError(
                    f"lookup table {table!r} holds {found[1]!r} at {found[0]!r}, "
                    "which is not a finite number",
                    file=file,
                    mapping=name,
                )
    if functions is None:
        from koppel.mapping._registry import registered_functions

        functions = registered_functions()
    available = {
        **functions,
        **CORE_FUNCTIONS,
        "lookup": make_lookup(tables),
        "vat_code": make_vat_code(tables),
    }
    compiler = _Compiler(KoppelFunctions(available), tables, file, name)
    return CompiledMapping(
        name=name,
        compiled=compiler.fields(fields, on_null, ""),
        lookups=tables,
    )


class _Compiler:
    def __init__(
        self,
        functions: KoppelFunctions,
        tables: Mapping[str, Any],
        file: str | None,
        name: str | None,
    ) -> None:
        self.functions = functions
        self.inliner = Inliner(functions)
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
        evaluate = emit = None
        if expression is not None:
            evaluate = self.expression(expression, name)
            emit = self.emit(expression)
            if "fields" not in entry and not self.finite(expression):
                evaluate = finite_only(evaluate, name, expression)
                emit = finite_only_emit(emit)
        for key in ("value", "default"):
            found = not_finite(entry.get(key))
            if found is not None:
                raise MappingError(
                    f"{key} holds {found[1]!r}, which is not a finite number",
                    file=self.file,
                    field=name,
                    mapping=self.name,
                )
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
            emit=emit,
        )

    def finite(self, expression: str) -> bool:
        """True when ``expression`` cannot give a number that is not finite."""
        import jmespath

        return self._finite(jmespath.compile(expression).parsed)

    def _finite(self, node: dict[str, Any]) -> bool:
        """True when ``node``'s result cannot hold a number that is not finite: a comparison,
        a finite literal, a function that gives text or finite numbers (or a field or index
        of its result), or an ``&&``/``||`` of such (it gives one of its operands)."""
        kind, children = node["type"], node.get("children", ())
        if kind in ("comparator", "not_expression"):
            return True
        if kind == "literal":
            return not_finite(node["value"]) is None
        if kind in ("and_expression", "or_expression"):
            return all(self._finite(child) for child in children)
        if kind in ("subexpression", "index_expression"):
            first, *rest = children
            return all(step["type"] in ("field", "index") for step in rest) and self._finite(first)
        if kind != "function_expression":
            return False
        name = node["value"]
        if name == "lookup":  # the tables are checked; a default may be the source's value
            return len(children) == 2 or (len(children) == 3 and self._finite(children[2]))
        if name in _FINITE_FUNCTIONS:
            return True
        extra = self.functions.extra.get(name)  # a plugin's function may take a built-in's name
        return name in _FINITE_BUILTINS if extra is None else _gives_no_number(extra)

    def emit(self, expression: str) -> Emit:
        """Writes ``expression`` (checked by :meth:`expression`) as code."""
        import jmespath

        parsed = jmespath.compile(expression).parsed
        return lambda source, data: self.inliner.emit(parsed, source, data)

    def expression(self, expression: str, field: str) -> Callable[[Any], Any]:
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


def _gives_no_number(function: Callable[..., Any]) -> bool:
    """True when ``function``'s return annotation allows only text, booleans and null,
    as ``-> str | None`` does (a plugin's function, checked by its type checker). A
    wrapper (``functools.wraps``) is not trusted: it carries what it wraps's annotation."""
    if hasattr(function, "__wrapped__"):
        return False
    try:
        result = typing.get_type_hints(function).get("return")
    except Exception:  # an annotation that does not resolve says nothing
        return False
    if result is None:
        return False
    if typing.get_origin(result) in (typing.Union, types.UnionType):
        return all(option in _NO_NUMBER for option in typing.get_args(result))
    return result in _NO_NUMBER


_NO_NUMBER = (str, bool, type(None))


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
        self._create: tuple[Step, ...] = build_plan(compiled, update=False)
        self._update: tuple[Step, ...] = build_plan(compiled, update=True)
        self._fast = build_fast(compiled)

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
        :raises MappingRecordError: naming the field, expression, value and record; also
            for a number in the result that is not finite (inf, NaN), which JSON cannot carry.
        """
        update = action == Action.UPDATE
        if not update and self._fast is not None:
            try:
                return self._fast(data)
            except Exception:  # the full plan below raises the precise error
                pass
        known = UNKNOWN if existing is None else existing
        try:
            return run_plan(self._update if update else self._create, data, update, known)
        except MappingRecordError as exc:
            exc.with_context(mapping=self.name, record=record_id)
            raise
