"""``/api/flows``: the flows with their state, their runs, and starting a run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from koppel.cli.status import flow_status
from koppel.errors import FlowBusyError, KoppelError
from koppel.web._accounts import Principal, record_action
from koppel.web._context import Web
from koppel.web._runs import Launch
from koppel.web.api._deps import Operator, Reader, WebDep
from koppel.web.api._models import (
    AlertOut,
    FlowOut,
    LaunchOut,
    PathId,
    ProgressOut,
    Responses,
    RunningOut,
    RunOut,
)

__all__ = ["PUSH_SYSTEM", "flow_out", "known_flow", "launch", "router"]

#: The built-in system whose flows take pushed records.
PUSH_SYSTEM = "push"

router = APIRouter(tags=["flows"])


_NOT_FOUND: Responses = {404: {"description": "No such flow (or run)."}}


def flow_out(web: Web, name: str) -> FlowOut:
    """One flow's document: its definition (when served) and its state in the store."""
    flow = web.flows.get(name)
    status = flow_status(web.store, name, flow)
    last = status["last_run"]
    return FlowOut(
        name=name,
        served=flow is not None,
        source=flow.source.system if flow else None,
        target=flow.target.system if flow else None,
        entity=flow.entity if flow else None,
        schedule=flow.schedule.cron if flow and flow.schedule else None,
        pushable=flow is not None and flow.source.system == PUSH_SYSTEM,
        last_run=RunOut.of(run) if last and (run := web.store.get_run(last["id"])) else None,
        next_run=status["next_run"],
        paused_until=status["paused_until"],
        running=[RunningOut(**running) for running in status["running"]],
        parked=status["parked"],
        alerts=[AlertOut(**alert) for alert in status["alerts"]],
    )


def known_flow(web: Web, name: str) -> None:
    """A 404 unless ``name`` is served or the store knows it."""
    if name not in web.flows and name not in web.store.known_flows():
        web.flow(name)  # the 404 naming the served flows


@router.get("/flows", summary="List the flows")
def list_flows(_who: Reader, web: WebDep) -> list[FlowOut]:
    """The served flows and every flow the state store has runs of, by name."""
    return [flow_out(web, name) for name in web.flow_names()]


@router.get("/flows/{flow}", summary="One flow", responses=_NOT_FOUND)
def get_flow(flow: str, _who: Reader, web: WebDep) -> FlowOut:
    known_flow(web, flow)
    return flow_out(web, flow)


@router.get("/flows/{flow}/runs", summary="A flow's runs", responses=_NOT_FOUND)
def list_runs(
    flow: str,
    _who: Reader,
    web: WebDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> list[RunOut]:
    """The newest runs of the flow, newest first."""
    known_flow(web, flow)
    return [RunOut.of(run) for run in web.store.runs(flow, limit=limit)]


@router.get("/runs/{run_id}", summary="One run's summary", responses=_NOT_FOUND)
def get_run(run_id: PathId, _who: Reader, web: WebDep) -> RunOut:
    run = web.store.get_run(run_id)
    if run is None:
        raise HTTPException(404, f"no run {run_id}")
    return RunOut.of(run)


@router.get(
    "/flows/{flow}/progress",
    summary="The progress of the run this server started",
    responses={404: {"description": "No such flow, or this server started no run of it."}},
)
def get_progress(flow: str, _who: Reader, web: WebDep) -> ProgressOut:
    web.flow(flow)
    progress = web.launcher.progress(flow)
    if progress is None:
        raise HTTPException(404, f"this server started no run of {flow!r}")
    return ProgressOut(
        flow=flow,
        fetched=progress.fetched_count,
        processed=progress.done,
        failed=progress.failed,
        elapsed=round(progress.elapsed, 3),
        finished=progress.finished,
        run=progress.result.run_id if progress.result else None,
        error=progress.error,
    )


def launch(web: Web, flow: str, who: Principal, *, reason: str = "run.start") -> Launch:
    """Start a run of ``flow`` and audit it: 409 when this server runs it already, or
    when its flow file changed and no longer loads (the message names the problem)."""
    web.flow(flow)
    try:
        started = web.launcher.start(flow)
    except FlowBusyError as exc:
        raise HTTPException(409, str(exc)) from None
    except KoppelError as exc:
        raise HTTPException(409, f"the flow cannot run: {exc}") from None
    details = {"via": started.via, "job": started.job}
    record_action(web.store, who, reason, details, flow=flow)
    return started


@router.post(
    "/flows/{flow}/runs",
    status_code=202,
    summary="Start a run",
    responses={
        **_NOT_FOUND,
        403: {"description": "The token is read-only."},
        409: {"description": "This server runs the flow already, or its file no longer loads."},
    },
)
def start_run(flow: str, who: Operator, web: WebDep) -> LaunchOut:
    """Run the flow once now: queued for ``koppel worker`` when workers are running
    (PostgreSQL), otherwise in this server (follow it at ``/api/flows/{flow}/progress``)."""
    started = launch(web, flow, who)
    return LaunchOut(flow=started.flow, via=started.via, job=started.job)
