"""Mapping specifications as data: loading files, checking shape, laying overrides over them.

A specification is a plain dict (from TOML or JSON)::

    description = "Visma eAccounting order -> canonical order"
    on_null = "keep"                       # default for every field: keep | omit | error

    [fields]
    number = "Number"                      # target field = JMESPath expression
    "billing_address.street" = "InvoiceAddress1"
    currency = { expr = "CurrencyCode", default = "EUR" }
    order_type = { value = "sales" }       # a constant
    email = { expr = "EmailAddress", write = "create_only", on_null = "omit" }

    [fields."lines[]"]                     # a list: one sub-mapping per source item
    source = "Rows"
    fields = { sku = "ArticleNumber", quantity = "to_decimal(Quantity)" }

    [lookups.payment_terms]                # default lookup tables (a flow may replace them)
    "14" = "NET14"

See docs/mapping.md for the full reference.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jmespath
from jmespath import exceptions as jp_exceptions

from koppel.errors import MappingError

__all__ = [
    "FIELD_KEYS",
    "NULL_POLICIES",
    "SPEC_KEYS",
    "WRITE_RULES",
    "MappingSpec",
    "expression_error",
    "flatten_fields",
    "load_mapping_file",
    "merge_fields",
]

#: Keys a field table may have.
FIELD_KEYS = frozenset({"expr", "value", "default", "on_null", "write", "source", "fields"})
#: Keys a specification may have at its top.
SPEC_KEYS = frozenset({"description", "entity", "direction", "on_null", "lookups", "fields"})
#: What happens when a field's value is null.
NULL_POLICIES = ("keep", "omit", "error")
#: When a field is written.
WRITE_RULES = ("always", "create_only", "if_empty")


class MappingSpec(dict[str, Any]):
    """A specification as loaded from a file: a plain dict that remembers its ``file``."""

    file: str | None = None


def load_mapping_file(path: str | Path) -> MappingSpec:
    """Load a mapping specification from a ``.toml`` or ``.json`` file.

    The shape and every expression's syntax are checked here, so a broken file
    fails when it loads.

    :raises MappingError: naming the file (and the field, expression and position).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read mapping: {exc.strerror}", file=str(file)) from exc
    except UnicodeDecodeError as exc:
        raise MappingError(
            f"not UTF-8 text: cannot decode byte {exc.start}", file=str(file)
        ) from exc
    try:
        if file.suffix.lower() == ".json":
            raw = json.loads(text)
        elif file.suffix.lower() == ".toml":
            raw = tomllib.loads(text)
        else:
            raise MappingError("a mapping file must end in .toml or .json", file=str(file))
    except json.JSONDecodeError as exc:
        raise MappingError(
            f"invalid JSON: {exc.msg}", file=str(file), line=exc.lineno, column=exc.colno
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"invalid TOML: {exc}", file=str(file)) from exc
    if not isinstance(raw, dict):
        raise MappingError("a mapping must be a table (JSON object)", file=str(file))
    spec = MappingSpec(raw)
    spec.file = str(file)
    check_spec(spec, file=spec.file)
    return spec


def check_spec(spec: Mapping[str, Any], *, file: str | None = None) -> dict[str, dict[str, Any]]:
    """Check a specification's shape and expression syntax; return its flattened fields."""
    if not isinstance(spec, Mapping):
        raise MappingError("a mapping must be a table (JSON object)", file=file)
    unknown = sorted(set(spec) - SPEC_KEYS)
    if unknown:
        raise MappingError(
            f"unknown key(s) {', '.join(unknown)}; a mapping has {', '.join(sorted(SPEC_KEYS))}",
            file=file,
        )
    if "fields" not in spec:
        raise MappingError("a mapping needs a [fields] table", file=file)
    _check_choice(spec.get("on_null", "keep"), NULL_POLICIES, "on_null", file, None)
    lookups = spec.get("lookups", {})
    if not isinstance(lookups, Mapping) or not all(
        isinstance(table, Mapping) for table in lookups.values()
    ):
        raise MappingError("[lookups] must hold tables of key = value", file=file)
    fields = flatten_fields(spec["fields"], file=file)
    _check_fields(fields, file, "")
    return fields


def flatten_fields(
    table: Any,
    *,
    file: str | None = None,
    prefix: str = "",
    overrides: bool = False,
    parent: str = "",
) -> dict[str, dict[str, Any]]:
    """Turn a ``[fields]`` table into ``{dotted target: field table}``.

    A string is an expression; a table with any field key (``expr``,
    ``write``, ...) is a field, and a key it does not know is an error, so a
    typo such as ``wirte`` is not read as a nested target; a table without
    field keys groups nested targets (TOML's ``a.b = ...``). ``parent`` names
    the sub-mapping in errors (``lines[].``).
    """
    if not isinstance(table, Mapping) or not table:
        where = f"fields of {(parent + prefix).rstrip('.')}" if parent or prefix else "[fields]"
        raise MappingError(f"{where} must be a non-empty table", file=file)
    flat: dict[str, dict[str, Any]] = {}
    allowed = FIELD_KEYS | {"remove"} if overrides else FIELD_KEYS
    for key, raw in table.items():
        path = f"{prefix}{key}"
        if isinstance(raw, str):
            flat[path] = {"expr": raw}
        elif isinstance(raw, Mapping) and raw and (set(raw) & allowed or path.endswith("[]")):
            unknown = sorted(set(raw) - allowed)
            if unknown:
                raise MappingError(
                    f"unknown key(s) {', '.join(unknown)}; "
                    f"a field has {', '.join(sorted(allowed))}",
                    file=file,
                    field=f"{parent}{path}",
                )
            entry = dict(raw)
            if "fields" in entry:
                entry["fields"] = flatten_fields(
                    entry["fields"], file=file, overrides=overrides, parent=f"{parent}{path}."
                )
            flat[path] = entry
        elif isinstance(raw, Mapping) and raw:
            flat.update(
                flatten_fields(
                    raw, file=file, prefix=f"{path}.", overrides=overrides, parent=parent
                )
            )
        else:
            raise MappingError(
                f"expected an expression string or a field table, got {_kind(raw)} {raw!r}; "
                "write a constant as { value = ... }",
                file=file,
                field=f"{parent}{path}",
            )
    return flat


def merge_fields(
    base: Mapping[str, dict[str, Any]], overrides: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Lay flattened ``overrides`` over flattened ``base`` fields, key by key.

    An override changes only the keys it gives (``write = "create_only"`` keeps
    the expression); a new ``expr`` or ``value`` replaces the other;
    ``remove = true`` drops the field; sub-mappings merge their fields alike.
    """
    merged = {path: dict(entry) for path, entry in base.items()}
    for path, override in overrides.items():
        if override.get("remove") is True:
            merged.pop(path, None)
            continue
        entry = merged.get(path, {})
        changes = {k: v for k, v in override.items() if k != "remove"}
        if "expr" in changes:
            entry.pop("value", None)
        if "value" in changes:
            for key in ("expr", "default", "source", "fields"):
                entry.pop(key, None)
        if "fields" in changes and "fields" in entry:
            changes["fields"] = merge_fields(entry["fields"], changes["fields"])
        entry.update(changes)
        merged[path] = entry
    return merged


def _check_fields(fields: Mapping[str, dict[str, Any]], file: str | None, parent: str) -> None:
    names = list(fields)
    for path, entry in fields.items():
        name = f"{parent}{path}"
        unknown = sorted(set(entry) - FIELD_KEYS)
        if unknown:
            raise MappingError(
                f"unknown key(s) {', '.join(unknown)}; a field has {', '.join(sorted(FIELD_KEYS))}",
                file=file,
                field=name,
            )
        kinds = [key for key in ("expr", "value", "fields") if key in entry]
        if len(kinds) != 1:
            raise MappingError(
                "a field needs exactly one of expr, value or source + fields", file=file, field=name
            )
        if path.endswith("[]") and kinds != ["fields"]:
            raise MappingError("a list target [] needs source and fields", file=file, field=name)
        if "fields" in entry:
            if "source" not in entry:
                raise MappingError("a sub-mapping needs a source expression", file=file, field=name)
            if "default" in entry:
                raise MappingError("a sub-mapping has no default", file=file, field=name)
            _check_fields(entry["fields"], file, f"{name}.")
        elif "source" in entry:
            raise MappingError(
                "source is only for sub-mappings (with fields)", file=file, field=name
            )
        if "value" in entry and "default" in entry:
            raise MappingError("a constant has no default", file=file, field=name)
        for key in ("expr", "source"):
            if key in entry:
                if not isinstance(entry[key], str):
                    raise MappingError(f"{key} must be a string", file=file, field=name)
                try:
                    jmespath.compile(entry[key])
                except jp_exceptions.JMESPathError as exc:
                    raise expression_error(exc, entry[key], file=file, field=name) from exc
        _check_choice(entry.get("on_null", "keep"), NULL_POLICIES, "on_null", file, name)
        _check_choice(entry.get("write", "always"), WRITE_RULES, "write", file, name)
        _check_target(path, names, file, name)


def _check_target(path: str, names: list[str], file: str | None, name: str) -> None:
    parts = path.removesuffix("[]").split(".")
    if any(not part or "[" in part or "]" in part for part in parts):
        raise MappingError(f"invalid target field name {path!r}", file=file, field=name)
    plain = path.removesuffix("[]")
    for other in names:
        other_plain = other.removesuffix("[]")
        if other != path and (other_plain == plain or other_plain.startswith(plain + ".")):
            raise MappingError(f"target {path!r} clashes with {other!r}", file=file, field=name)


def _check_choice(
    value: Any, choices: tuple[str, ...], key: str, file: str | None, field: str | None
) -> None:
    if value not in choices:
        raise MappingError(
            f"{key} must be one of {', '.join(choices)}, got {value!r}", file=file, field=field
        )


def expression_error(
    exc: jp_exceptions.JMESPathError, expression: str, *, file: str | None, field: str
) -> MappingError:
    """A :class:`MappingError` for an expression jmespath cannot parse."""
    position = getattr(exc, "lex_position", getattr(exc, "lexer_position", None))
    message = getattr(exc, "message", None) or getattr(exc, "msg", None) or type(exc).__name__
    at = f" at position {position}" if isinstance(position, int) and position >= 0 else ""
    return MappingError(
        f"invalid expression {expression!r}{at}: {message}",
        file=file,
        field=field,
        expression=expression,
        position=position,
    )


def _kind(value: Any) -> str:
    return {bool: "boolean", list: "array", dict: "table", str: "string"}.get(
        type(value), "number" if isinstance(value, int | float) else type(value).__name__
    )
