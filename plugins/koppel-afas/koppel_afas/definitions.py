"""The recommended GetConnector definitions, and a customer's own ids for them.

GetConnectors are defined by each AFAS customer: their ids and field ids differ per
environment. koppel-afas ships the definitions it expects in ``getconnectors.json``
(an importable description the administrator recreates in Profit), keyed by role
(``debtors``, ``creditors``, ``articles``, ``salesorders``, ``salesquotations``,
``journal_entries``, ``commitments``, and ``creditors_deleted``: the log of deleted
creditors). A connection's settings ``<role>_connector`` and ``<role>_fields`` name the
customer's ids where they differ; :class:`GetConnector` carries both and renames each
row to the recommended field ids, so mappings never change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import attrs

__all__ = [
    "ROLES",
    "Definition",
    "FieldDefinition",
    "GetConnector",
    "check_renames",
    "definition",
    "definitions",
]

#: The roles, in the order of ``getconnectors.json``, each the prefix of two settings.
ROLES = (
    "debtors",
    "creditors",
    "articles",
    "salesorders",
    "salesquotations",
    "journal_entries",
    "commitments",
    "creditors_deleted",
)


@attrs.frozen
class FieldDefinition:
    """One field of a recommended GetConnector, as ``metainfo/get`` describes it."""

    id: str
    data_type: str
    label: str
    length: int = 0
    decimals: int = 0


@attrs.frozen
class Definition:
    """A recommended GetConnector: its id, key, modification-date field and fields."""

    role: str
    id: str
    description: str
    data_collection: str
    key: str
    modified: str
    fields: tuple[FieldDefinition, ...]

    def field(self, field_id: str) -> FieldDefinition:
        """The field ``field_id`` (a recommended id)."""
        for field in self.fields:
            if field.id == field_id:
                return field
        raise KeyError(field_id)


@cache
def definitions() -> dict[str, Definition]:
    """Every recommended GetConnector by role, read once from ``getconnectors.json``."""
    text = resources.files("koppel_afas").joinpath("getconnectors.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    found = {}
    for role, item in zip(ROLES, raw["getConnectors"], strict=True):
        found[role] = Definition(
            role=role,
            id=item["id"],
            description=item["description"],
            data_collection=item["dataCollection"],
            key=item["key"],
            modified=item["modified"],
            fields=tuple(
                FieldDefinition(f["id"], f["dataType"], f["label"], f["length"], f["decimals"])
                for f in item["fields"]
            ),
        )
    return found


def definition(role: str) -> Definition:
    """The recommended GetConnector of ``role``."""
    return definitions()[role]


def check_renames(role: str, renames: Mapping[str, Any]) -> None:
    """Refuse a ``<role>_fields`` setting that renames a field the recommended GetConnector
    does not have, or gives an empty field id.

    :raises ValueError: naming the setting and the field.
    """
    recommended = definition(role)
    known = {f.id for f in recommended.fields}
    for name, value in renames.items():
        if name not in known:
            raise ValueError(
                f"'{role}_fields' names {name!r}, which the recommended GetConnector "
                f"{recommended.id} does not have (it has {', '.join(sorted(known))})"
            )
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"'{role}_fields' gives {name!r} no field id of your GetConnector")


@attrs.frozen
class GetConnector:
    """A customer's GetConnector for one role: its id and its field id per recommended one.

    :param role: the role (``commitments``, ...).
    :param id: the customer's GetConnector id.
    :param fields: recommended field id -> the customer's field id, for every field.
    """

    role: str
    id: str
    fields: Mapping[str, str]

    @classmethod
    def of(cls, role: str, connector_id: str, renames: Mapping[str, str]) -> GetConnector:
        """The GetConnector of ``role`` from a connection's two settings (``renames``
        checked by :func:`check_renames`)."""
        fields = {f.id: renames.get(f.id, f.id).strip() for f in definition(role).fields}
        return cls(role=role, id=connector_id, fields=fields)

    @property
    def definition(self) -> Definition:
        """The recommended definition this GetConnector stands for."""
        return definition(self.role)

    def native(self, field_id: str) -> str:
        """The customer's id of recommended field ``field_id``."""
        return self.fields[field_id]

    def rename(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """``row`` as answered by the customer's GetConnector, with the recommended field
        ids (fields it answers beyond them are kept under their own ids)."""
        recommended = {native: own for own, native in self.fields.items()}
        return {recommended.get(name, name): value for name, value in row.items()}
