"""A flow's outbound mapping compared with what AFAS says of an UpdateConnector
(``metainfo/update/{id}``), for ``koppel check --online``.

The answer's shape this relies on (REFERENCE.md, "metainfo/update"): ``{"name",
"description", "fields": [...]}`` (O1: the response schema of ``/Metainfo/{Type}/
{Endpoint}``), each field with ``fieldId``, ``primaryKey``, ``mandatory``, ``dataType``,
``length`` and ``values`` (custom-fields.md's example of a ``metainfo/update`` field);
since Profit 3 only fields without a default value are ``mandatory`` (news-profit3.md).
Nested objects as ``"objects": [{"name", "fields", "objects"}]`` is an assumption.

The body compared is the one the plugin would send on an insert with every field the
mapping writes filled (:meth:`AfasResource.sample_bodies`), so the fields the plugin adds
itself (``MatchOga``, ``AutoNum``, ``VaAs`` ...) are compared too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import attrs

__all__ = ["FLOW_OUTBOUND", "Problem", "config_path", "mapped_paths", "mapping_fields", "problems"]


@attrs.frozen
class Problem:
    """One difference: ``text`` names the UpdateConnector's object and field, and
    ``path`` the mapping field to fix (``mapping.fields.EmAd``) or None where the plugin
    sets the field itself or no mapping field fills it."""

    text: str
    path: str | None = None


#: Where a flow's outbound overrides sit in its file: ``[mapping.outbound]``.
FLOW_OUTBOUND = "mapping.outbound"


@cache
def _shipped_fields(entity: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    name = f"{entity}.outbound.toml"
    folder = resources.files("koppel_afas").joinpath("mappings")
    if not folder.joinpath(name).is_file():
        return (), ()
    spec = tomllib.loads(folder.joinpath(name).read_text("utf-8")).get("fields", {})
    lines = spec.get("Lines[]", {}).get("fields", {})
    own = tuple(k for k in spec if not k.startswith("_") and k != "Lines[]")
    return own, tuple(k for k in lines if not k.startswith("_"))


def mapping_fields(
    entity: str, overrides: Mapping[str, Any] | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The target fields the outbound mapping of ``entity`` writes: the record's, and each
    line's (``Lines[]``); the ``_`` fields the plugin resolves left out. The plugin's
    default mapping with the flow's ``overrides`` (``{"fields": {...}}``) laid over it:
    a field they add is written, one they remove is not."""
    own, lines = _shipped_fields(entity)
    flow, flow_lines = _override_fields(overrides)
    return _laid_over(own, flow), _laid_over(lines, flow_lines)


def _override_fields(
    overrides: Mapping[str, Any] | None,
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The flow's override rules of the record's fields and of each line's."""
    fields = (overrides or {}).get("fields") or {}
    nested = fields.get("Lines[]")
    lines = nested.get("fields") if isinstance(nested, Mapping) else None
    return fields, lines if isinstance(lines, Mapping) else {}


def _writes(rule: Any) -> bool:
    """Whether an override rule gives its field a value (not only a write rule)."""
    if isinstance(rule, Mapping):
        return not rule.get("remove") and any(k in rule for k in ("expr", "value", "default"))
    return isinstance(rule, str)


def _laid_over(names: Sequence[str], rules: Mapping[str, Any]) -> tuple[str, ...]:
    kept = [n for n in names if not (isinstance(rules.get(n), Mapping) and rules[n].get("remove"))]
    added = [
        n
        for n, rule in rules.items()
        if n not in names and not n.startswith("_") and n != "Lines[]" and _writes(rule)
    ]
    return (*kept, *added)


def _elements(node: Any) -> list[Mapping[str, Any]]:
    element = node.get("Element") if isinstance(node, Mapping) else None
    if isinstance(element, list):
        return [e for e in element if isinstance(e, Mapping)]
    return [element] if isinstance(element, Mapping) else []


def _children(element: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    objects = element.get("Objects") or ()
    for item in objects if isinstance(objects, list) else [objects]:
        if isinstance(item, Mapping):
            yield from item.items()


def problems(
    connector: str,
    body: Mapping[str, Any],
    metainfo: Mapping[str, Any],
    *,
    mapped: Mapping[str, str],
) -> list[Problem]:
    """What ``body`` (an insert through ``connector``) and AFAS's ``metainfo`` disagree on:
    fields AFAS marks mandatory that the body leaves empty, and fields the body writes that
    the object does not have. ``mapped`` gives, per written field, the mapping field that
    fills it (``{"EmAd": "fields.EmAd"}``)."""
    top = next(iter(body))
    found: list[Problem] = []
    for element in _elements(body[top]):
        found += _compare(connector, top, element, metainfo, mapped)
    return list(dict.fromkeys(found))


def _compare(
    connector: str,
    where: str,
    element: Mapping[str, Any],
    described: Mapping[str, Any],
    mapped: Mapping[str, str],
) -> list[Problem]:
    fields = {
        str(f.get("fieldId")): f for f in described.get("fields") or () if isinstance(f, Mapping)
    }
    given = dict(element.get("Fields") or {})
    found = []
    for name in given:
        if name not in fields:
            source = mapped.get(name)
            who = "koppel-afas"
            if source:
                owner = "the flow's " if source.startswith(FLOW_OUTBOUND) else ""
                who = f"{owner}mapping field {source}"
            found.append(
                Problem(
                    f"{who} writes {where}.{name}, which UpdateConnector {connector} does "
                    "not have in this environment",
                    config_path(source) if source else None,
                )
            )
    for name, field in fields.items():
        if field.get("mandatory") and given.get(name) in (None, "") and f"@{name}" not in element:
            found.append(
                Problem(
                    f"UpdateConnector {connector} needs {where}.{name} "
                    f"({field.get('label') or name}), which the mapping does not fill: "
                    f"map {name} under [mapping.fields]",
                    f"mapping.fields.{name}",
                )
            )
    nested = {
        str(o.get("name")): o for o in described.get("objects") or () if isinstance(o, Mapping)
    }
    for name, node in _children(element):
        if name not in nested:
            found.append(Problem(f"UpdateConnector {connector} has no object {where}.{name}", None))
            continue
        for child in _elements(node):
            found += _compare(connector, f"{where}.{name}", child, nested[name], mapped)
    return found


def mapped_paths(
    own: Sequence[str],
    lines: Sequence[str],
    renamed: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Written field -> the mapping field that fills it (a line's under ``Lines[]``):
    the plugin's (``fields.EmAd``), or the flow's where its ``overrides`` give the field
    (``mapping.outbound.EmAd``, its place in the flow file); ``renamed`` names the
    written fields the plugin fills from a mapping field of another name."""
    flow, flow_lines = _override_fields(overrides)

    def path(name: str, *, line: bool = False) -> str:
        if _writes((flow_lines if line else flow).get(name)):
            return f'{FLOW_OUTBOUND}."Lines[]".fields.{name}' if line else f"{FLOW_OUTBOUND}.{name}"
        return f'fields."Lines[]".fields.{name}' if line else f"fields.{name}"

    paths = {name: path(name, line=True) for name in lines}
    paths.update({name: path(name) for name in own})
    paths.update({name: path(source) for name, source in (renamed or {}).items()})
    return paths


def config_path(source: str) -> str:
    """Where mapping field ``source`` (from :func:`mapped_paths`) is fixed: the flow's
    place as it is, the plugin's under ``mapping``."""
    return source if source.startswith(FLOW_OUTBOUND) else f"mapping.{source}"
