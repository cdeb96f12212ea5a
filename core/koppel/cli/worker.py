"""``koppel worker --flows DIR``: run flows as jobs, by their schedules, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import click

from koppel.cli._flowing import state_option


@click.command("worker")
@click.option(
    "--flows",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder of flow files (*.toml) this worker serves.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Jobs (flow runs) this worker runs at once.",
)
@click.option(
    "--stalled-after",
    type=click.FloatRange(min=5),
    default=60.0,
    show_default=True,
    help="Seconds without a heartbeat after which a worker counts as dead and its "
    "jobs are queued again.",
)
@click.option(
    "--enqueue",
    "enqueue",
    multiple=True,
    metavar="FLOW",
    help="Queue a run of this flow (by name) now, and exit.",
)
@click.option(
    "--alerts",
    "alerts_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The alerts file: where new and resolved problems are sent "
    "(default: $KOPPEL_ALERTS; none: no alerts).",
)
@state_option
def worker(
    folder: Path,
    concurrency: int,
    stalled_after: float,
    enqueue: tuple[str, ...],
    alerts_file: Path | None,
    state_url: str | None,
) -> None:
    """Run the flows in --flows as jobs: each by its schedule, one run of a flow at a time
    across every worker. The state store must be PostgreSQL. Stops gracefully on SIGTERM:
    a run finishes the chunk in hand and its flow is queued for another worker.
    """
    from koppel.alerts import load_alerts
    from koppel.state import open_state

    try:
        from koppel.worker import FlowWorker, conninfo_of, ensure_schema, load_flows
    except ImportError as exc:
        raise click.ClickException(
            f'the worker needs procrastinate: pip install "koppel[worker]" ({exc})'
        ) from exc
    flows = load_flows(folder)
    alerts = load_alerts(alerts_file)
    if alerts is not None:
        for name in flows:
            alerts.channels(name)  # a wrong alerts file stops here, not after a run
    with open_state(state_url) as store:
        flow_worker = FlowWorker(flows, store, stalled_after=stalled_after, alerts=alerts)
        ensure_schema(conninfo_of(store))
        if enqueue:
            flow_worker.app.open()
            try:
                for name in enqueue:
                    job = flow_worker.enqueue(name)
                    click.echo(f"{name}: " + (f"job {job}" if job else "queued already"))
            finally:
                flow_worker.app.close()
            return
        scheduled = [name for name, flow in flows.items() if flow.schedule is not None]
        click.echo(
            f"worker on {store.url}: {len(flows)} flow(s), {len(scheduled)} on a schedule",
            err=True,
        )
        flow_worker.run(concurrency=concurrency)
