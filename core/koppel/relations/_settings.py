"""A relations flow's own settings: how its queue is exported and its number ranges."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from koppel.errors import ConfigurationError
from koppel.records import RelationKind

__all__ = ["EXPORTS", "NumberRange", "RelationSettings"]

#: How a queue reaches accounting: written by the target's API, or as an eExact XML file.
EXPORTS = ("direct", "xml")
_PLACE = "settings.relations"


@attrs.frozen
class NumberRange:
    """The numbers relations of one kind get: ``start`` to ``end``, both included."""

    name: str
    start: int
    end: int


@attrs.frozen(kw_only=True)
class RelationSettings:
    """``[settings.relations]`` of a flow file::

        [settings.relations]
        export = "xml"                 # or "direct"
        folder = "exports"             # XML files; default: exports/ beside the state
        debtor_numbers = [10000, 19999]
        creditor_numbers = [70000, 79999]

    :param queue: the queue's name (the flow's name).
    :param crm: whose numbers these are: the CRM connection's name. Flows over one CRM
        (connections of one name) share its numbers and ranges; a relation keeps the
        number it got in any of them.
    """

    queue: str
    crm: str = ""
    export: str = "direct"
    folder: Path | None = None
    ranges: Mapping[RelationKind, NumberRange] = attrs.field(factory=dict)

    @classmethod
    def from_flow(cls, flow: Any) -> RelationSettings:
        """The relation settings of ``flow`` (a :class:`koppel.flows.Flow`).

        :raises ConfigurationError: naming the key of a bad value.
        """
        table = flow.settings.extra.get("relations", {})
        if not isinstance(table, Mapping):
            raise _bad(flow, _PLACE, "must be a table")
        known = {"export", "folder", "debtor_numbers", "creditor_numbers"}
        for key in table:
            if key not in known:
                raise _bad(
                    flow, f"{_PLACE}.{key}", f"unknown key; expected one of: {sorted(known)}"
                )
        export = table.get("export", "direct")
        if export not in EXPORTS:
            raise _bad(flow, f"{_PLACE}.export", f"is direct or xml, not {export!r}")
        folder = table.get("folder")
        if folder is not None:
            folder = Path(str(folder)).expanduser()
            if not folder.is_absolute() and flow.path is not None:
                folder = flow.path.parent / folder
        ranges = {}
        for kind in RelationKind:
            key = f"{kind}_numbers"
            if key in table:
                ranges[kind] = _range(flow, key, table[key])
        return cls(
            queue=flow.name, crm=flow.source.name, export=export, folder=folder, ranges=ranges
        )

    @property
    def numbers(self) -> str:
        """The key of the numbers given in this flow: the CRM's (else the queue's)."""
        return self.crm or self.queue

    def range_for(self, kind: RelationKind | str) -> NumberRange:
        """The number range of ``kind``.

        :raises ConfigurationError: when the flow gives none.
        """
        found = self.ranges.get(RelationKind(kind))
        if found is None:
            raise ConfigurationError(
                f"the flow gives no number range for {kind}s; set {kind}_numbers = [first, last]",
                flow=self.queue,
                path=f"{_PLACE}.{kind}_numbers",
            )
        return found


def _range(flow: Any, key: str, value: Any) -> NumberRange:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
        or value[0] > value[1]
    ):
        raise _bad(
            flow,
            f"{_PLACE}.{key}",
            f"must be [first, last], two positive whole numbers, first <= last, not {value!r}",
        )
    return NumberRange(
        name=f"{flow.source.name}:{key.removesuffix('_numbers')}", start=value[0], end=value[1]
    )


def _bad(flow: Any, path: str, message: str) -> ConfigurationError:
    return ConfigurationError(f"{path} {message}", flow=flow.name, file=flow.label, path=path)
