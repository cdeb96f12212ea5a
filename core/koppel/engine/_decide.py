"""Steps 1 and 2 of a chunk: skip what did not change, then find each record in the
target and decide create, update or skip.

Before anything is mapped, the chunk's bindings are read (one batched query): a
record whose raw source hash under the flow's fingerprint equals its binding's is
skipped at once, unmapped. Existence of the others is decided by the binding,
then by the target's match keys (one ``find_existing`` call per key and chunk).
The content hash of the full outbound payload against the binding's skips
records whose source changed but whose payload did not. Products of orders are
checked only for the records that will be written.
A record found in a target that never updates the entity is bound and skipped, and
so is one a crashed run created when it sent what this run would send (the target's
answer may differ from what was sent: Exact Online's journal never takes the update).
A match value that several target records share fails the record, naming them
(or takes the first, with ``on_ambiguous = "first"``). A record deleted in the
source is reported, or its target record deleted (``deletions = "propagate"``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from koppel.engine._hash import (
    hash_text,
    legacy_content_hash,
    match_value,
    payload_text,
    source_hasher,
    source_text,
)
from koppel.engine._item import STOPPING, Item, with_record
from koppel.engine._mapper import RecordMapper
from koppel.engine._same import already_in_target
from koppel.engine._setup import RunParts
from koppel.errors import ValidationError
from koppel.log import get_logger, needs_redacting
from koppel.sync import Action, Ambiguous, TargetRecord

__all__ = ["Decider"]

#: Actions that send a record's payload to the target.
_WRITES = (Action.CREATE, Action.UPDATE)


class Decider:
    """Looks a chunk's records up and gives each an action (or fails it)."""

    def __init__(
        self, parts: RunParts, mapper: RecordMapper, pending: Mapping[str, Any] | None = None
    ) -> None:
        """``pending``: writes that runs which died journaled and never booked, by source id."""
        self.parts = parts
        self.mapper = mapper
        self.pending = pending if pending is not None else {}

    def skip_unchanged(self, chunk: list[Item]) -> None:
        """Read the chunk's bindings; skip, unmapped, every record whose source hash
        equals its binding's (the same raw record under the same mapping and settings)."""
        parts = self.parts
        readable = [item for item in chunk if item.record.error is None]
        if not readable:
            return
        bindings = parts.store.get_bindings(*parts.scope, [item.source_id for item in readable])
        source_hash = source_hasher(parts.fingerprint)
        for item in readable:
            binding = bindings.get(item.source_id)
            if binding is not None:
                item.target_id = binding.target_id
                item.binding_hash = binding.content_hash or ""
                item.bound_source_hash = binding.source_hash
            if item.record.deleted:
                continue
            try:
                item.source_text = source_text(item.record.data)
            except (TypeError, ValueError):  # not JSON: mapped every time, never skipped here
                continue
            item.source_hash = source_hash(item.source_text)
            if binding is not None and binding.source_hash == item.source_hash:
                item.skip("unchanged since the last sync")
                item.unchanged = True

    def lookup(self, live: list[Item]) -> None:
        """The target's match keys for the records :meth:`skip_unchanged` found unbound.

        A record whose match value the target could look up is marked ``findable``;
        when the target implements no ``find_existing``, nothing is.
        """
        if not live:
            return
        parts = self.parts
        unbound = [item for item in live if item.binding_hash is None]
        for key in parts.match_keys:
            wanted: dict[str, list[Item]] = {}
            for item in unbound:
                value = item.match.get(key)
                if item.found is None and item.action is None and value is not None:
                    wanted.setdefault(value, []).append(item)
            if not wanted:
                continue
            found = parts.target_hooks.find_existing(
                connection=parts.target, entity=parts.entity, match_key=key, values=sorted(wanted)
            )
            if found is None:  # no lookup by this key: a crash before binding is not healed
                continue
            for items in wanted.values():
                for item in items:
                    item.findable = True
            for value, record in found.items():
                for item in wanted.get(match_value(key, value) or "", []):
                    self._found(item, key, record)
        self._check_owners([item for item in unbound if item.found is not None])

    def _found(self, item: Item, key: str, record: TargetRecord | Ambiguous) -> None:
        """Give ``item`` the target record its ``key`` found; several fail it, or the
        first is taken where the flow says ``on_ambiguous = "first"``."""
        item.found_by = key
        if not isinstance(record, Ambiguous):
            item.found = record
            return
        parts = self.parts
        ids = ", ".join(candidate.id for candidate in record.candidates)
        if parts.flow.settings.on_ambiguous == "first":
            item.found = record.candidates[0]
            get_logger(flow=parts.flow.name).warning(
                "several target records share the match value; the first is taken",
                record=item.source_id,
                match_key=key,
                candidates=ids,
            )
            return
        item.fail(
            ValidationError(
                f"{key} {item.match[key]!r} matches {len(record.candidates)} {parts.entity} "
                f"in the target ({ids}); make it unique there, or set on_ambiguous = "
                f'"first" under [settings] to take the first',
                field=key,
                record=item.source_id,
            )
        )

    def _check_owners(self, found: list[Item]) -> None:
        """Fail records whose match-key hit is bound to another source record."""
        if not found:
            return
        parts = self.parts
        owners = parts.store.get_bindings_by_target(
            *parts.scope, [item.found.id for item in found if item.found is not None]
        )
        for item in found:
            assert item.found is not None
            owner = owners.get(item.found.id)
            if owner is not None and owner.source_id != item.source_id:
                key = item.found_by or next(iter(item.match))
                item.fail(
                    ValidationError(
                        f"{key} {item.match[key]!r} matches {parts.entity} {item.found.id} in the "
                        f"target, which is bound to source record {owner.source_id}",
                        field=key,
                        record=item.source_id,
                    )
                )

    def decide(self, live: list[Item]) -> None:
        """Give every live record its action and payload; a record that cannot be sent fails
        (an order whose products the target lacks fails only when it would be written)."""
        planned: dict[Hashable, Item] = {}
        for item in live:
            if item.action is not None:
                continue
            if item.record.deleted:
                self._decide_deleted(item, planned.get(("id", item.source_id)))
                continue
            try:
                self._decide_one(item, planned)
            except STOPPING:
                raise
            except Exception as exc:
                item.fail(with_record(exc, item))
                continue
            if item.action in (Action.CREATE, Action.UPDATE):
                for key in item.identity_keys():
                    planned.setdefault(key, item)
        self._check_products([item for item in live if item.action in _WRITES])

    def _check_products(self, writes: list[Item]) -> None:
        problems = self.parts.rules.check_products([item.structured for item in writes])
        for item, problem in zip(writes, problems, strict=True):
            if problem is not None:
                item.fail(with_record(problem, item))

    def _decide_deleted(self, item: Item, earlier: Item | None) -> None:
        """A record deleted in the source: nothing to do when it was never synced; else
        report it, or delete its target record where the flow propagates deletions.

        ``earlier`` is a write of the same record in this chunk (created, then deleted):
        the delete waits for it and takes its target id.
        """
        parts = self.parts
        if item.target_id is None and earlier is None:
            item.skip("deleted in the source; it was never synced, so there is nothing to delete")
        elif parts.flow.settings.deletions == "propagate":
            item.action = Action.DELETE
            item.after = earlier
        else:
            which = item.target_id or "written in this run"
            item.skip(
                f"deleted in the source; {parts.entity} {which} stays in the target "
                f'(deletions = "propagate" under [settings] deletes it too)'
            )
            item.deleted_in_source = True

    def _decide_one(self, item: Item, planned: dict[Hashable, Item]) -> None:
        outbound = self.mapper.outbound
        full = outbound(item, Action.CREATE, None)
        full_text = payload_text(full)
        item.content_hash = hash_text(full_text)
        earlier = next((planned[k] for k in item.identity_keys() if k in planned), None)
        if earlier is not None:
            if earlier.source_id != item.source_id:
                key = next(k for k in item.match if ("match", k, item.match[k]) in planned)
                raise ValidationError(
                    f"{key} {item.match[key]!r} is also that of source record "
                    f"{earlier.source_id} in this run; one target record cannot hold both",
                    field=key,
                )
            item.after = earlier
            item.action = Action.UPDATE
            item.payload = outbound(item, Action.UPDATE, None)
        elif item.binding_hash is not None:
            if item.binding_hash == item.content_hash:
                item.skip("unchanged since the last sync")
                item.unchanged = True
                return
            if item.binding_hash == legacy_content_hash(full):  # bound before orjson
                item.skip("unchanged since the last sync")
                item.unchanged = item.bind = True  # the binding takes the new hash
                return
            if not self.parts.updates:
                # Booked once, never changed: say so once (the binding takes the new hash).
                item.skip(
                    f"changed after it was booked; the target does not take updates of "
                    f"{self.parts.entity}, so {item.target_id} keeps what was sent first"
                )
                item.changed_after_booking = True
                item.bind = True
                return
            item.action = Action.UPDATE
            item.payload = outbound(item, Action.UPDATE, None)
        elif item.found is not None:
            existing = item.found.data
            item.target_id = item.found.id
            journaled = self.pending.get(item.source_id)
            if (
                journaled is not None
                and journaled.action == Action.CREATE
                and journaled.sent is not None
                and hash_text(payload_text(journaled.sent)) == item.content_hash
            ):
                item.skip(f"created as {item.found.id} by run {journaled.run_id}, which crashed")
                item.bind = True
                return
            if not self.parts.updates:
                # Created once, never changed (a create whose answer was lost lands here).
                item.skip(f"exists in the target as {item.found.id}, which never updates it")
                item.bind = True
                return
            payload = outbound(item, Action.UPDATE, existing)
            if already_in_target(payload, existing):
                item.skip(f"already up to date in the target as {item.found.id}")
                item.bind = True
                return
            item.action = Action.UPDATE
            item.payload = payload
        else:
            item.action = Action.CREATE
            item.payload = full
            if not needs_redacting(full):  # the journal and the log then store it as it is
                item.sent_text = full_text
