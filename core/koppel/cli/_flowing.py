"""Shared by the flow commands: options, loading a flow, opening its state store, tables."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from koppel.cli._project import find_project, flow_paths, read_env

if TYPE_CHECKING:
    from koppel.errors import KoppelError
    from koppel.flows import Flow
    from koppel.state import StateStore

F = TypeVar("F", bound=Callable[..., Any])

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


#: A record id longer than this (a UUID, say) is shown by the record's number if it has one.
_LONG_ID = 12

#: The state file of the ``--sandbox`` commands without ``--state`` (in the current folder).
SANDBOX_STATE = "koppel-sandbox.sqlite3"


def flow_argument(required: bool = True, *, several: bool = False) -> Callable[[F], F]:
    """The FLOW argument: a flow file, or a flow's name in a project (``several``: one or
    more, as ``flow_files``)."""
    if several:
        return click.argument(
            "flow_files",
            metavar="FLOW [FLOW ...]",
            nargs=-1,
            required=required,
            callback=flow_paths,
        )
    return click.argument("flow_file", metavar="FLOW", required=required, callback=flow_paths)


def state_option(function: F) -> F:
    """``--state URL``: a state store other than the flow's (or the default)."""
    return click.option(
        "--state",
        "state_url",
        metavar="URL",
        help="State store path or URL (default: the flow's `state`, else $KOPPEL_STATE, "
        "else the project's (koppel.toml), else a file in the user data folder).",
    )(function)


def sandbox_options(help_text: str) -> Callable[[F], F]:
    """``--sandbox`` (with ``help_text``) and ``--seed N`` of a command that runs a flow."""

    def decorate(function: F) -> F:
        function = click.option(
            "--seed",
            type=int,
            default=None,
            help="With --sandbox: the demo data's seed (default 0, or the kept sandboxes').",
        )(function)
        return click.option("--sandbox", is_flag=True, help=help_text)(function)

    return decorate


def json_option(function: F) -> F:
    """``--json``: one JSON document on standard output instead of text (the shapes are
    in docs/operations.md, "Machine-readable output")."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print one JSON document instead of text (shape: docs/operations.md).",
    )(function)


def load(flow_file: Path) -> Flow:
    """Load a flow file and show its warnings on standard error; inside a project, its
    ``.env`` is read first (:func:`read_env`)."""
    from koppel.flows import load_flow

    project = find_project()
    if project is not None:
        read_env(project.root / ".env")
    flow = load_flow(flow_file)
    for warning in flow.warnings:
        click.secho(f"warning: {flow.label}: {warning}", fg="yellow", err=True)
    return flow


#: Commands that read what a state store holds, or change only that (discard a parked
#: record, forget a cursor): opening the store never creates it (nor its folder), and a
#: missing store is an error naming its path.
EXISTING_STORE_COMMANDS = frozenset(
    {
        "log",
        "parked list",
        "parked discard",
        "state show",
        "state reset",
        "commitments list",
        "relations list",
        "relations history",
        "bookings list",
        "bookings show",
        "status",
    }
)


def in_flow_file(exc: KoppelError, flow: Flow) -> KoppelError:
    """``exc``, naming the flow file when it is about a field the flow's own mapping
    overrides give (the mapping compiler names the plugin's mapping file)."""
    field = str(exc.context.get("field") or "")
    for direction in ("inbound", "outbound"):
        overrides = flow.mapping_overrides(direction)
        if field and (field in overrides or field.split(".")[0] in overrides):
            exc.context["file"] = flow.label
            exc.context["path"] = f"mapping.{direction}.{field}"
            break
    return exc


@contextmanager
def opened_state(
    flow: Flow | None, state_url: str | None, *, create: bool | None = None
) -> Iterator[StateStore]:
    """The state store of ``flow`` (or at ``state_url``), closed afterwards.

    :param create: whether a missing store is created; None: unless the running
        command is one of :data:`EXISTING_STORE_COMMANDS`.
    """
    from koppel.errors import StateError
    from koppel.state import open_state
    from koppel.state._engine import STATE_ENV

    if create is None:
        create = running_command() not in EXISTING_STORE_COMMANDS
    location = flow.state_location(state_url) if flow is not None else state_url
    if location is None and not os.environ.get(STATE_ENV):
        project = find_project()
        location = project.state if project is not None else None
    try:
        store = open_state(location, create=create)
    except StateError as exc:
        kept = Path(SANDBOX_STATE)
        if not create and location is None and kept.is_file():
            raise StateError(
                f"{exc.message}; the --sandbox commands keep theirs in ./{kept}: add --state {kept}"
            ) from exc
        raise
    with store:
        yield store


def running_command() -> str:
    """The running subcommand's path without the program name (``parked list``)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return ""
    return context.command_path.partition(" ")[2]


def record_label(record_id: str | None, source: Mapping[str, Any] | None) -> str:
    """How the table names a record: its id, or for a long id (a UUID) the record's own
    number (a top-level ``Number``, ...) and the id's start: ``1036/9f17cf65…``."""
    if not record_id:
        return "-"
    if len(record_id) <= _LONG_ID or not source:
        return record_id
    for key, value in source.items():
        if key.lower().endswith("number") and isinstance(value, int | str) and value != "":
            return f"{value}/{record_id[:8]}…"
    return record_id


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w``, ``15m``, ``90s`` as a timedelta."""
    match = _DURATION.match(text)
    if not match:
        raise click.BadParameter(f"expected a duration such as 30d, 12h or 2w, got {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    width: int | None = None,
    shrink: Collection[str] | None = None,
) -> None:
    """A plain aligned table on standard output, at most ``width`` characters wide (by
    default the terminal's when standard output is one; unlimited when it is a pipe, so
    that nothing is cut for grep). The widest columns among ``shrink`` (header names;
    None: any) are cut first, with "…"."""
    if width is None and sys.stdout.isatty():
        width = shutil.get_terminal_size().columns
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    if width is not None:
        cuttable = [shrink is None or h in shrink for h in headers]
        widths = fit(widths, width - 2 * (len(widths) - 1), cuttable)
    for row in (list(headers), *cells):
        line = "  ".join(_cut(c, w).ljust(w) for c, w in zip(row, widths, strict=True))
        click.echo(line.rstrip())


def fit(
    widths: Sequence[int], total: int, cuttable: Sequence[bool], *, least: int = 8
) -> list[int]:
    """``widths`` narrowed, widest cuttable first and none below ``least``, to sum to
    ``total`` (or as near as the uncuttable columns allow)."""
    fitted = list(widths)
    while sum(fitted) > total:
        candidates = [i for i, width in enumerate(fitted) if cuttable[i] and width > least]
        if not candidates:
            break
        fitted[max(candidates, key=fitted.__getitem__)] -= 1
    return fitted


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
