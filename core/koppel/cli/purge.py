"""``koppel purge --older-than 30d``: delete old activity and old parked payloads; personal
data is not kept longer, in the database's files either."""

from __future__ import annotations

from pathlib import Path

import click

from koppel.cli._flowing import load, opened_state, parse_duration, state_option


@click.command("purge")
@click.option(
    "--older-than",
    "older_than",
    required=True,
    metavar="AGE",
    help="Delete activity older than this: 30d, 12h, 2w, ...",
)
@click.option(
    "--flow",
    "flow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this flow's state store.",
)
@state_option
def purge(older_than: str, flow_file: Path | None, state_url: str | None) -> None:
    """Delete activity log entries older than AGE from the state store, and empty the
    payload of records parked or pushed (HTTP API) before then; the deleted bytes are
    overwritten."""
    age = parse_duration(older_than)
    flow = load(flow_file) if flow_file else None
    with opened_state(flow, state_url) as store:
        purged = store.purge(age)
    click.echo(f"deleted {purged.activity} activity entries older than {older_than}")
    if purged.parked:
        click.echo(f"emptied the payload of {purged.parked} parked records parked before then")
    if purged.pushed:
        click.echo(f"emptied the data of {purged.pushed} records pushed before then")
