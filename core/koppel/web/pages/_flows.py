"""The flows page (last and next run, status, counts, alerts), a flow with its runs, a
run's live progress and a run's summary; operators start a run from the page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from koppel.errors import KoppelError
from koppel.web._accounts import Principal
from koppel.web._context import Web
from koppel.web.api._flows import flow_out, known_flow, launch
from koppel.web.api._models import ActivityOut, RunOut
from koppel.web.pages._common import Operator, User, WebDep, back, render

__all__ = ["flow_path", "router", "start_run"]

router = APIRouter()

#: Runs listed on a flow's page.
_RUNS = 25
#: Failed records listed on a run's page.
_FAILURES = 200


def flow_path(flow: str) -> str:
    """The page of ``flow``."""
    return f"/flows/{quote(flow, safe='')}"


def start_run(request: Request, web: Web, flow: str, who: Principal, reason: str) -> Response:
    """Start a run of ``flow`` and go where it can be followed: its live progress (a run
    in this server) or the flow's page (a job queued for the workers)."""
    try:
        started = launch(web, flow, who, reason=reason)
    except HTTPException as exc:
        if exc.status_code != 409:
            raise
        return back(request, flow_path(flow), "error", f"{flow}: {exc.detail}")
    except KoppelError as exc:
        return back(request, flow_path(flow), "error", f"{flow}: {exc}")
    if started.via == "worker":
        queued = f"job {started.job}" if started.job is not None else "a job queued already"
        return back(request, flow_path(flow), "ok", f"{flow}: queued for the workers ({queued})")
    return back(request, flow_path(flow) + "/progress")


@router.get("/flows")
def flows_page(request: Request, user: User, web: WebDep) -> Response:
    flows = [flow_out(web, name) for name in web.flow_names()]
    return render(web, request, "flows.html", {"flows": flows})


@router.get("/flows/{flow}")
def flow_page(flow: str, request: Request, user: User, web: WebDep) -> Response:
    known_flow(web, flow)
    runs = [RunOut.of(run) for run in web.store.runs(flow, limit=_RUNS)]
    return render(
        web,
        request,
        "flow.html",
        {"flow": flow_out(web, flow), "runs": runs, "progress": web.launcher.progress(flow)},
    )


@router.post("/flows/{flow}/run")
def run_now(flow: str, request: Request, user: Operator, web: WebDep) -> Response:
    return start_run(request, web, flow, user, "run.start")


@router.get("/flows/{flow}/progress")
def progress_page(flow: str, request: Request, user: User, web: WebDep) -> Response:
    web.flow(flow)
    if web.launcher.progress(flow) is None:
        return back(request, flow_path(flow), "info", "this server started no run of it")
    return render(web, request, "progress.html", {"flow": flow, "data": _progress(web, flow)})


@router.get("/flows/{flow}/progress.json")
def progress_json(flow: str, user: User, web: WebDep) -> JSONResponse:
    """The live progress the progress page polls (signed-in users; the API has its own)."""
    web.flow(flow)
    if web.launcher.progress(flow) is None:
        raise HTTPException(404, f"this server started no run of {flow!r}")
    return JSONResponse(_progress(web, flow))


def _progress(web: Web, flow: str) -> dict[str, object]:
    progress = web.launcher.progress(flow)
    assert progress is not None
    run = progress.result.run_id if progress.result else None
    return {
        "flow": flow,
        "fetched": progress.fetched_count,
        "processed": progress.done,
        "failed": progress.failed,
        "elapsed": round(progress.elapsed, 1),
        "finished": progress.finished,
        "run": run,
        "error": progress.error,
        "summary": f"/runs/{run}" if run is not None else None,
    }


@router.get("/runs/{run_id}")
def run_page(run_id: int, request: Request, user: User, web: WebDep) -> Response:
    found = web.store.get_run(run_id)
    if found is None:
        raise HTTPException(404, f"no run {run_id}")
    failures = web.store.activity(run_id, failed_only=True, limit=_FAILURES)
    return render(
        web,
        request,
        "run.html",
        {
            "run": RunOut.of(found),
            "failures": [ActivityOut.of(entry) for entry in reversed(failures)],
            "served": found.flow in web.flows,
        },
    )
