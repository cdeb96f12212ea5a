"""``koppel relations fetch|list|set-action|number|export|history|mark``: the relation
queue of a relations flow (a CRM's debtors and creditors on their way to accounting)."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from koppel.cli._flowing import (
    flow_argument,
    load,
    opened_state,
    print_table,
    sandbox_options,
    state_option,
)

if TYPE_CHECKING:
    from koppel.relations import RelationWorkflow

_MESSAGE_WIDTH = 70
#: Relations numbered by a fetch that are shown one by one.
_SHOWN = 10


_sandbox_options = sandbox_options(
    "Talk to the systems' sandboxes, as kept by the last --sandbox command (state in "
    "./koppel-sandbox.sqlite3 unless --state is given), not their APIs; keeps them afterwards."
)


@contextmanager
def _workflow(
    flow_file: Path, state_url: str | None, sandbox: bool = False, seed: int | None = None
) -> Iterator[RelationWorkflow]:
    """The workflow of FLOW on its state store, against the kept sandboxes with
    ``sandbox`` (kept again afterwards, also when the command fails: they hold what it
    wrote)."""
    from koppel.cli.run import open_sandboxes
    from koppel.relations import RelationWorkflow

    flow = load(flow_file)
    sandboxes, state_url = open_sandboxes(sandbox, seed, state_url)
    options: dict[str, Any] = {}
    if sandboxes is not None:
        flow = sandboxes.prepare(flow)
        options = {"prepare_connection": sandboxes.attach, "token_store": sandboxes.tokens}
    try:
        with (
            opened_state(flow, state_url) as store,
            RelationWorkflow(flow, store, by=_who(), **options) as work,
        ):
            yield work
    finally:
        if sandboxes is not None:
            sandboxes.keep()


def _who() -> str | None:
    """The operator's login name, recorded with what they mark (None when unknown)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _short(text: str | None) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= _MESSAGE_WIDTH else text[: _MESSAGE_WIDTH - 3] + "..."


@click.group("relations")
def relations() -> None:
    """Push a CRM's relations (debtors, creditors) to accounting: fetch them into the
    queue, check Insert or Update, export by direct sync or as an XML file."""


@relations.command("fetch")
@flow_argument()
@state_option
@_sandbox_options
def fetch(flow_file: Path, state_url: str | None, sandbox: bool, seed: int | None) -> None:
    """Read the CRM's relations: number those that are due and queue every relation to
    push (Insert: never pushed; Update: changed since)."""
    with _workflow(flow_file, state_url, sandbox, seed) as work:
        result = work.fetch()
        queued = work.rows()
    counts = result.counts
    inserts = sum(1 for row in queued if row.action == "insert")
    click.echo(
        f"{work.queue}: {counts['new']} new, {counts['changed']} changed, "
        f"{counts['unchanged']} unchanged; queued: {len(queued)} "
        f"({inserts} insert, {len(queued) - inserts} update)"
    )
    numbered = list(result.numbering.numbered.items())
    for relation, number in numbered[:_SHOWN]:
        click.echo(f"numbered {relation}: {number}")
    if len(numbered) > _SHOWN:
        click.echo(f"... and {len(numbered) - _SHOWN} more numbered")
    for relation, message in result.numbering.waiting.items():
        click.secho(f"waits for a number {relation}: {message}", fg="yellow")
    if result.without_number:
        click.echo(f"{len(result.without_number)} relation(s) wait for a number (list --waiting)")
    for relation, message in result.not_written.items():
        click.secho(f"waits {relation}: {message}", fg="yellow")
    for relation, message in result.unreadable.items():
        click.secho(f"unreadable {relation}: {message}", fg="red")


@relations.command("list")
@flow_argument()
@state_option
@click.option("--all", "every", is_flag=True, help="Every relation, also synced and waiting.")
@click.option("--waiting", is_flag=True, help="Only relations that wait for a number.")
@click.option("--exported", is_flag=True, help="Only relations in an export not marked yet.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines with the data sent.")
def list_relations(
    flow_file: Path,
    state_url: str | None,
    every: bool,
    waiting: bool,
    exported: bool,
    as_json: bool,
) -> None:
    """List the queue: per relation its kind, number, name, action, state and message."""
    flow = load(flow_file)
    states: tuple[str, ...] = ("queued",)
    if every:
        states = ()
    elif waiting or exported:
        states = ("waiting",) * waiting + ("exported",) * exported
    with opened_state(flow, state_url) as store:
        rows = store.relation_queue(flow.name, states=states)
    if as_json:
        for row in rows:
            click.echo(
                json.dumps(
                    {
                        "relation": row.relation,
                        "kind": row.kind,
                        "number": row.number,
                        "action": row.action,
                        "state": row.state,
                        "message": row.message,
                        "export": row.export_id,
                        "data": row.data,
                    },
                    default=str,
                )
            )
        return
    if not rows:
        click.echo("the queue is empty" if states == ("queued",) else "no relations")
        return
    print_table(
        ("relation", "kind", "number", "name", "action", "state", "message"),
        [
            (
                r.relation,
                r.kind,
                r.number or "",
                r.name or "",
                r.action,
                r.state,
                _short(r.message),
            )
            for r in rows
        ],
    )


@relations.command("set-action")
@flow_argument()
@click.argument("action", type=click.Choice(["insert", "update"]))
@click.argument("relation_ids", metavar="RELATION...", nargs=-1, required=True)
@state_option
def set_action(
    flow_file: Path, action: str, relation_ids: tuple[str, ...], state_url: str | None
) -> None:
    """Give queued RELATIONs the ACTION insert or update (before the first export: update
    for relations that accounting holds already)."""
    flow = load(flow_file)
    with opened_state(flow, state_url) as store:
        count = store.set_relation_action(flow.name, list(relation_ids), action)
    click.echo(f"{count} relation(s) set to {action}")


@relations.command("number")
@flow_argument()
@click.argument("relation")
@state_option
@_sandbox_options
def number(
    flow_file: Path, relation: str, state_url: str | None, sandbox: bool, seed: int | None
) -> None:
    """Give RELATION its debtor or creditor number now and write it back to the CRM."""
    with _workflow(flow_file, state_url, sandbox, seed) as work:
        given = work.number(relation)
    click.echo(f"{relation}: {given}")


@relations.command("export")
@flow_argument()
@click.argument("relation_ids", metavar="[RELATION...]", nargs=-1)
@click.option("--trial", is_flag=True, help="Write the XML file for support; change nothing.")
@click.option(
    "--xml", "as_xml", is_flag=True, help="Export as an XML file, whatever the flow says."
)
@click.option(
    "--without",
    "left_out",
    metavar="RELATION",
    multiple=True,
    help="Leave this queued relation out (repeat it for several).",
)
@state_option
@_sandbox_options
def export(
    flow_file: Path,
    relation_ids: tuple[str, ...],
    trial: bool,
    as_xml: bool,
    left_out: tuple[str, ...],
    state_url: str | None,
    sandbox: bool,
    seed: int | None,
) -> None:
    """Export the queued RELATIONs (every queued one when none is named, but those
    --without names): by direct sync, or as an eExact XML file (all or nothing). Exits 1
    when rows failed."""
    from koppel.cli import EXIT_FAILED
    from koppel.relations import XmlResult

    with _workflow(flow_file, state_url, sandbox, seed) as work:
        result = work.export(
            list(relation_ids), without=left_out, trial=trial, xml=True if as_xml else None
        )
    if isinstance(result, XmlResult):
        click.echo(
            f"export {result.export_id} ({result.status}): {result.written} account(s) "
            f"in {result.path}"
        )
        if result.status == "failed":
            click.secho(
                "nothing was exported: fix these relations, or export again without them",
                fg="red",
            )
    else:
        click.echo(f"synced {len(result.synced)}, failed {len(result.failed)}")
    for relation, message in result.failed.items():
        click.secho(f"{'left out' if trial else 'failed'} {relation}: {message}", fg="red")
    if result.failed and not trial:
        raise click.exceptions.Exit(EXIT_FAILED)


@relations.command("history")
@flow_argument()
@click.option("--rows", "export_id", type=int, metavar="EXPORT", help="The rows of one export.")
@state_option
def history(flow_file: Path, export_id: int | None, state_url: str | None) -> None:
    """The export history: per export its file, time, rows, result and import mark."""
    flow = load(flow_file)
    with opened_state(flow, state_url) as store:
        if export_id is not None:
            rows = store.export_rows(export_id)
            print_table(
                ("relation", "number", "action", "message"),
                [(r.relation, r.number or "", r.action, _short(r.message)) for r in rows],
            )
            return
        found = store.relation_exports(flow.name)
    if not found:
        click.echo("no exports")
        return
    print_table(
        ("id", "time", "result", "accounts", "import", "note", "file"),
        [
            (
                e.export.id,
                e.export.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                e.export.status,
                e.export.records if e.export.records is not None else "",
                e.imported or "",
                _short(e.note),
                e.export.path,
            )
            for e in found
        ],
    )


@relations.command("mark")
@flow_argument()
@click.argument("export_id", metavar="EXPORT", type=int)
@click.argument("result", type=click.Choice(["ok", "failed"]))
@click.option("--note", help="What happened at the import (kept with the export).")
@state_option
def mark(
    flow_file: Path, export_id: int, result: str, note: str | None, state_url: str | None
) -> None:
    """Mark whether EXPORT imported into accounting: ok (its relations leave the queue)
    or failed (they return to it, with the note as their message)."""
    from koppel.relations import RelationWorkflow

    flow = load(flow_file)
    with opened_state(flow, state_url) as store:
        work = RelationWorkflow(flow, store, by=_who())
        moved = work.mark(export_id, result, note=note)
    where = "left the queue" if result == "ok" else "are back in the queue"
    click.echo(f"export {export_id} marked {result}: {moved} relation(s) {where}")
