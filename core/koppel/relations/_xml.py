"""XML export: queued relations as one eExact accounts file, all or nothing.

A row that Exact would refuse fails the whole export: the file is still written, with
no account in it, and each failing row carries its message. A trial export writes the
rows that could go and changes nothing in the queue.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from koppel.relations._eexact import account_problems, accounts_document
from koppel.state._relations import OutgoingRow

if TYPE_CHECKING:
    from koppel.relations._workflow import RelationWorkflow
    from koppel.state._models import QueuedRelation

__all__ = ["XmlResult", "export_xml"]


@attrs.frozen
class XmlResult:
    """An XML export: its history id, file, status ("ok", "failed" or "trial"), how many
    accounts the file holds, and the rows that could not go with why."""

    export_id: int
    path: Path
    status: str
    written: int
    failed: Mapping[str, str]


def export_xml(
    workflow: RelationWorkflow, rows: Sequence[QueuedRelation], *, trial: bool = False
) -> XmlResult:
    """Write ``rows`` to a new file in the workflow's folder and record the export."""
    problems = {
        row.relation: "; ".join(found) for row in rows if (found := account_problems(row.data))
    }
    going = [row for row in rows if row.relation not in problems]
    if trial:
        status, message = "trial", "trial export: no row was marked as exported"
    elif problems:
        status = "failed"
        message = (
            f"{len(problems)} of {len(rows)} relations cannot be exported, so none was; "
            "fix them or export again without them"
        )
        going = []
    else:
        status, message = "ok", None
    document = accounts_document(row.data for row in going)
    path = _write(workflow, document, trial=trial)
    outgoing = [
        OutgoingRow(
            relation=row.relation,
            number=row.number,
            action=row.action,
            content_hash=row.content_hash,
            message=problems.get(row.relation),
        )
        for row in rows
    ]
    export_id = workflow.store.record_relation_export(
        workflow.queue, str(path), outgoing, status=status, message=message
    )
    if status == "failed":
        for row in rows:
            if row.relation in problems:
                workflow.write_message(row.data, problems[row.relation])
    return XmlResult(export_id, path, status, len(going), problems)


def _write(workflow: RelationWorkflow, document: bytes, *, trial: bool) -> Path:
    """Write ``document`` to a file of its own (never over another export's)."""
    folder = workflow.folder()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = workflow.store.clock().strftime("%Y%m%d-%H%M%S")
    stem = f"{workflow.queue}-{'trial-' if trial else ''}{stamp}"
    for n in range(1, 1000):
        path = folder / (f"{stem}.xml" if n == 1 else f"{stem}-{n}.xml")
        try:
            with path.open("xb") as file:
                file.write(document)
                file.flush()
                os.fsync(file.fileno())
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{folder}: too many exports named {stem}")
