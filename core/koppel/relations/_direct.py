"""Direct sync: queued relations written through the accounting system's API.

Never doubles an account: a relation bound to an account (koppel wrote it before)
updates that account; otherwise the account is looked up by number (the target's match
key ``kind+number`` where it numbers debtors and creditors apart, as AFAS does, else
``number``). An "insert" whose number exists already, and an "update" whose
number does not, fail with a message asking the operator to change the action.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from koppel.errors import ConfigurationError, RecordError, RetriableError
from koppel.sync import Action, Ambiguous, Direction, TargetRecord

if TYPE_CHECKING:
    from koppel.relations._workflow import RelationWorkflow
    from koppel.state._models import QueuedRelation

__all__ = ["DirectResult", "sync_direct"]

#: The match keys a target may find relations by, the first it offers taken: by kind and
#: number (a JSON pair, as the engine joins a compound key), else by number.
_KEYS = ("kind+number", "number")


@attrs.frozen
class DirectResult:
    """Relations written (they left the queue) and those that failed, with the message."""

    synced: Sequence[str]
    failed: Mapping[str, str]


def sync_direct(workflow: RelationWorkflow, rows: Sequence[QueuedRelation]) -> DirectResult:
    """Write ``rows`` to the flow's target; each row's outcome is kept in the queue and
    written back to the CRM as the relation's last sync message."""
    parts = workflow.parts
    key = next((k for k in _KEYS if k in parts.match_keys), None)
    if key is None:
        raise ConfigurationError(
            f"system {workflow.flow.target.system} cannot find relations by number, so a "
            'direct sync could double them; use export = "xml"',
            flow=workflow.flow.name,
        )
    store = workflow.store
    bound = store.get_bindings(*parts.scope, [row.relation for row in rows])
    wanted = {
        row.relation: _match(key, row) for row in rows if row.relation not in bound and row.number
    }
    found: Mapping[str, Any] = {}
    if wanted:
        values = sorted(set(wanted.values()))
        answer = parts.target_hooks.find_existing(
            connection=parts.target, entity="relations", match_key=key, values=values
        )
        found = {relation: (answer or {}).get(value) for relation, value in wanted.items()}
    synced: dict[str, str] = {}
    failed: dict[str, str] = {}
    try:
        for row in rows:
            try:
                target_id = _target(workflow, row, bound, found)
                result = _write(workflow, row, target_id)
                store.bind(*parts.scope, row.relation, result, row.content_hash)
                synced[row.relation] = row.content_hash
            except (RecordError, RetriableError) as exc:
                failed[row.relation] = exc.message
    finally:  # a run stopped by a fatal error keeps what it did
        store.relations_synced(workflow.queue, synced)
        store.relations_failed(workflow.queue, failed)
    system = workflow.flow.target.system
    for row in rows:
        message = failed.get(row.relation) or f"synced to {system}"
        workflow.write_message(row.data, message)
    return DirectResult(synced=sorted(synced), failed=failed)


def _write(workflow: RelationWorkflow, row: QueuedRelation, target_id: str | None) -> str:
    """Create the account of ``row``, or update account ``target_id``; its id."""
    parts = workflow.parts
    action = Action.CREATE if target_id is None else Action.UPDATE
    payload = parts.map_outbound(
        connection=parts.target,
        entity="relations",
        direction=Direction.OUTBOUND,
        data=row.data,
        mapping=parts.outbound,
        action=action,
        existing=None,
    )
    result = parts.upsert(
        connection=parts.target,
        entity="relations",
        action=action,
        payload=payload,
        target_id=target_id,
    )
    return str(result.target_id)


def _match(key: str, row: QueuedRelation) -> str:
    """``row``'s value of match key ``key``: its number, or its kind and number."""
    number = str(row.number).strip()
    return json.dumps([row.kind, number], ensure_ascii=False) if "+" in key else number


def _target(
    workflow: RelationWorkflow,
    row: QueuedRelation,
    bound: Mapping[str, Any],
    found: Mapping[str, TargetRecord | Ambiguous],
) -> str | None:
    """The account ``row`` updates, or None to create one.

    :raises RecordError: when the action does not fit what the target holds.
    """
    system = workflow.flow.target.system
    if row.relation in bound:
        return str(bound[row.relation].target_id)
    match = found.get(row.relation)
    if isinstance(match, Ambiguous):
        ids = ", ".join(c.id for c in match.candidates)
        raise RecordError(
            f"{system} has several relations numbered {row.number} ({ids}); merge them there first",
            record=row.relation,
        )
    if row.action == "insert":
        if match is not None:
            raise RecordError(
                f"{system} has a relation numbered {row.number} already ({match.id}); "
                "set the action to update to overwrite it",
                record=row.relation,
            )
        return None
    if match is None:
        raise RecordError(
            f"{system} has no relation numbered {row.number} to update; set the action to insert",
            record=row.relation,
        )
    return match.id
