"""Step 1 of a chunk: inbound map, structure the canonical record, apply the rules
(for the records that were not skipped unchanged before mapping).

Also the outbound map the decide step calls per record and action.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppel.engine._hash import match_value, read_match_key
from koppel.engine._item import STOPPING, Item, with_record
from koppel.engine._setup import RunParts
from koppel.errors import PluginError
from koppel.records import structure, unstructure
from koppel.sync import Action, Direction

__all__ = ["RecordMapper"]


class RecordMapper:
    """Maps a run's records in and out with the mappings compiled for the run."""

    def __init__(self, parts: RunParts) -> None:
        self.parts = parts

    def prepare(self, chunk: list[Item]) -> None:
        """Give each item its canonical record, ordering keys and match values, or fail it."""
        parts = self.parts
        rules, record_class, match_keys = parts.rules, parts.record_class, parts.match_keys
        records: list[Any] = []
        for item in chunk:
            if item.action is not None:  # skipped unchanged before mapping
                records.append(None)
                continue
            if item.record.error is not None:  # the source plugin could not read it
                item.fail(item.record.error)
                records.append(None)
                continue
            if item.record.deleted:  # nothing to map: the decide step reports or deletes it
                records.append(None)
                continue
            try:
                records.append(self._inbound(item))
            except STOPPING:
                raise
            except Exception as exc:
                item.fail(with_record(exc, item))
                records.append(None)
        for item, record in zip(chunk, records, strict=True):
            if item.action is not None or item.record.deleted:
                continue
            try:
                record, skip = rules.apply(record)
                item.structured = record
                item.canonical = unstructure(record) if record_class else record
                item.order_keys = rules.order_keys(record)
            except STOPPING:
                raise
            except Exception as exc:
                item.fail(with_record(exc, item))
                continue
            if skip is not None:
                item.skip(skip)
                continue
            assert item.canonical is not None
            for key in match_keys:
                value = match_value(key, read_match_key(item.canonical, key))
                if value is not None:
                    item.match[key] = value

    def _inbound(self, item: Item) -> Any:
        parts = self.parts
        data = parts.map_inbound(
            connection=parts.source,
            entity=parts.entity,
            direction=Direction.INBOUND,
            data=item.record.data,
            mapping=parts.inbound,
            action=None,
            existing=None,
        )
        if data is None:
            if parts.inbound is not None:
                raise PluginError("no plugin implements map_record (is the datamapper disabled?)")
            data = dict(item.record.data)
        if parts.record_class is None:
            return data
        return structure(data, parts.record_class)

    def outbound(self, item: Item, action: Action, existing: Mapping[str, Any] | None) -> Any:
        """The payload for the target of ``item``'s canonical record, as ``action``."""
        parts = self.parts
        assert item.canonical is not None
        payload = parts.map_outbound(
            connection=parts.target,
            entity=parts.entity,
            direction=Direction.OUTBOUND,
            data=item.canonical,
            mapping=parts.outbound,
            action=action,
            existing=existing,
        )
        if payload is None:
            if parts.outbound is not None:
                raise PluginError("no plugin implements map_record (is the datamapper disabled?)")
            payload = dict(item.canonical)
        return payload
