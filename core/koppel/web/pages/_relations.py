"""The relation queue of a relations flow (a CRM's debtors and creditors on their way to
accounting): select rows, set Insert or Update, export them by direct sync or as an
eExact XML file (or a trial file), and the export history with the operator's mark of
whether the import went well."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, Response

from koppel.errors import KoppelError
from koppel.relations import ENTITY, RelationSettings, RelationWorkflow, XmlResult
from koppel.web._accounts import Principal, record_action
from koppel.web.pages._common import Operator, User, WebDep, back, render

if TYPE_CHECKING:
    from koppel.flows import Flow
    from koppel.state import RelationExport
    from koppel.web import Web

__all__ = ["router"]

router = APIRouter()

#: The states a queue page can show: the queue itself, or every row.
_SHOWN = {
    "queued": ("queued",),
    "waiting": ("waiting",),
    "exported": ("exported",),
    "all": (),
}
Relations = Annotated[list[str] | None, Form()]


def _flow(web: Web, name: str) -> Flow:
    flow = web.flow(name)
    if flow.entity != ENTITY:
        raise HTTPException(404, f"flow {name!r} moves {flow.entity}, not relations")
    return flow


def _workflow(web: Web, name: str, who: Principal) -> AbstractContextManager[RelationWorkflow]:
    """The flow's workflow acting for ``who`` (on ``koppel serve --sandbox``'s sandboxes
    when it serves them)."""
    return web.relations(_flow(web, name), web.store, who.actor)


def _settings(web: Web, name: str) -> RelationSettings:
    return RelationSettings.from_flow(_flow(web, name))


def _page(flow: str) -> str:
    return f"/relations/{quote(flow, safe='')}"


@router.get("/relations")
def relations_index(request: Request, user: User, web: WebDep) -> Response:
    flows = []
    for name, flow in sorted(web.flows.items()):
        if flow.entity != ENTITY:
            continue
        rows = web.store.relation_queue(name, states=())
        counts = {state: sum(1 for row in rows if row.state == state) for state in _SHOWN}
        export = RelationSettings.from_flow(flow).export
        flows.append({"name": name, "flow": flow, "counts": counts, "export": export})
    return render(web, request, "relations_index.html", {"flows": flows})


@router.get("/relations/{flow}")
def queue_page(
    flow: str,
    request: Request,
    user: User,
    web: WebDep,
    show: Literal["queued", "waiting", "exported", "all"] = "queued",
) -> Response:
    settings = _settings(web, flow)
    rows = web.store.relation_queue(settings.queue, states=_SHOWN[show])
    export = settings.export
    return render(
        web,
        request,
        "relations.html",
        {"flow": flow, "rows": rows, "show": show, "export": export, "page": _page(flow)},
    )


@router.post("/relations/{flow}/action")
def set_action(
    flow: str,
    request: Request,
    user: Operator,
    web: WebDep,
    action: Annotated[Literal["insert", "update"], Form()],
    relations: Relations = None,
) -> Response:
    """Give the selected rows the action insert or update."""
    if not relations:
        return back(request, _page(flow), "error", "select the relations to change first")
    try:
        with _workflow(web, flow, user) as work:
            count = work.set_action(relations, action)
    except KoppelError as exc:
        return back(request, _page(flow), "error", str(exc))
    record_action(
        web.store,
        user,
        "relations.set_action",
        {"action": action, "relations": relations},
        flow=flow,
    )
    return back(request, _page(flow), "ok", f"{count} relation(s) set to {action}")


@router.post("/relations/{flow}/fetch")
def fetch(flow: str, request: Request, user: Operator, web: WebDep) -> Response:
    """Read the CRM's relations: number those that are due, queue those to push."""
    try:
        with _workflow(web, flow, user) as work:
            result = work.fetch()
    except KoppelError as exc:
        return back(request, _page(flow), "error", str(exc))
    counts = dict(result.counts)
    numbered = dict(result.numbering.numbered)
    record_action(
        web.store, user, "relations.fetch", {**counts, "numbered": len(numbered)}, flow=flow
    )
    lines = [
        f"{counts.get('new', 0)} new, {counts.get('changed', 0)} changed, "
        f"{counts.get('unchanged', 0)} unchanged; {len(numbered)} numbered",
        *(f"waits {relation}: {message}" for relation, message in result.not_written.items()),
        *(f"unreadable {relation}: {message}" for relation, message in result.unreadable.items()),
    ]
    if result.without_number:
        lines.append(f"{len(result.without_number)} wait for a number")
    kind = "error" if result.unreadable or result.not_written else "ok"
    return back(request, _page(flow), kind, "; ".join(lines))


@router.post("/relations/{flow}/export")
def export(
    flow: str,
    request: Request,
    user: Operator,
    web: WebDep,
    how: Annotated[Literal["flow", "xml", "direct", "trial"], Form()] = "flow",
    relations: Relations = None,
) -> Response:
    """Export the selected rows (none selected: every queued row): as the flow says, as
    an XML file, by direct sync, or as a trial file that changes nothing."""
    xml = {"flow": None, "xml": True, "direct": False, "trial": None}[how]
    try:
        with _workflow(web, flow, user) as work:
            result = work.export(relations or None, trial=how == "trial", xml=xml)
    except KoppelError as exc:
        return back(request, _page(flow), "error", str(exc))
    failed = dict(result.failed)
    if isinstance(result, XmlResult):
        details = {"export": result.export_id, "status": result.status, "file": str(result.path)}
        text = (
            f"export {result.export_id} ({result.status}): {result.written} account(s) in "
            f"{result.path.name}"
        )
        to = f"{_page(flow)}/history"
    else:
        details = {"synced": list(result.synced), "failed": sorted(failed)}
        text = f"synced {len(result.synced)}, failed {len(failed)}"
        to = _page(flow)
    record_action(
        web.store,
        user,
        "relations.export",
        {"how": how, "relations": relations or "all queued", **details},
        flow=flow,
    )
    kind = "error" if failed and how != "trial" else "ok"
    gone = "left out" if how == "trial" else "failed"
    lines = [text, *(f"{gone} {relation}: {message}" for relation, message in failed.items())]
    return back(request, to, kind, "; ".join(lines))


@router.get("/relations/{flow}/history")
def history_page(flow: str, request: Request, user: User, web: WebDep) -> Response:
    exports = web.store.relation_exports(_settings(web, flow).queue)
    return render(
        web,
        request,
        "relation_history.html",
        {"flow": flow, "exports": exports, "page": _page(flow)},
    )


@router.get("/relations/{flow}/history/{export_id}")
def export_page(flow: str, export_id: int, request: Request, user: User, web: WebDep) -> Response:
    found = _export(web, flow, export_id)
    return render(
        web,
        request,
        "relation_export.html",
        {
            "flow": flow,
            "found": found,
            "rows": web.store.export_rows(export_id),
            "page": _page(flow),
            "has_file": Path(found.export.path).is_file(),
        },
    )


@router.get("/relations/{flow}/history/{export_id}/file")
def export_file(flow: str, export_id: int, user: User, web: WebDep) -> Response:
    """The export's XML file, to import in accounting."""
    path = Path(_export(web, flow, export_id).export.path)
    if not path.is_file():
        raise HTTPException(404, f"the file of export {export_id} is gone: {path}")
    return FileResponse(path, media_type="application/xml", filename=path.name)


@router.post("/relations/{flow}/history/{export_id}/mark")
def mark(
    flow: str,
    export_id: int,
    request: Request,
    user: Operator,
    web: WebDep,
    result: Annotated[Literal["ok", "failed"], Form()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Mark whether the export's import went well (its relations leave the queue) or
    failed (they return to it, with the note as their message)."""
    to = f"{_page(flow)}/history"
    try:
        with _workflow(web, flow, user) as work:
            moved = work.mark(export_id, result, note=note.strip() or None)
    except KoppelError as exc:
        return back(request, to, "error", str(exc))
    record_action(
        web.store,
        user,
        "relations.mark",
        {"export": export_id, "result": result, "note": note.strip(), "relations": moved},
        flow=flow,
    )
    where = "left the queue" if result == "ok" else "are back in the queue"
    return back(
        request, to, "ok", f"export {export_id} marked {result}: {moved} relation(s) {where}"
    )


def _export(web: Web, flow: str, export_id: int) -> RelationExport:
    _flow(web, flow)
    try:
        found = web.store.relation_export(export_id)
    except KoppelError:
        raise HTTPException(404, f"no relation export {export_id}") from None
    if found.export.flow != flow:
        raise HTTPException(404, f"export {export_id} is not of {flow!r}")
    return found
