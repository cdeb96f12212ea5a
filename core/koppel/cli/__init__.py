"""The ``koppel`` command line.

Exit codes: 0 fine; 1 a run finished with failed records (or an unexpected
error); 2 a usage or configuration error the operator must fix.
"""

from __future__ import annotations

import sys
import traceback
from typing import NoReturn

import click

from koppel import __version__
from koppel.cli._lazy import LazyGroup

__all__ = ["COMMANDS", "EXIT_CONFIG", "EXIT_FAILED", "EXIT_OK", "cli", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2

#: Every subcommand: name -> (module:attribute, short help). One module per command.
COMMANDS: dict[str, tuple[str, str]] = {
    "plugins": ("koppel.cli.plugins:plugins", "List installed plugins and the systems they add."),
    "install": ("koppel.cli.install:install", "pip-install plugins into koppel's environment."),
    "auth": ("koppel.cli.auth:auth", "Authorise a connection with OAuth2 and store its token."),
    "sandbox": ("koppel.cli.sandbox:sandbox", "Run a system's emulated API on loopback."),
    "map": ("koppel.cli.map:map_command", "Apply a mapping to a sample record and print it."),
    "new": ("koppel.cli.new:new", "Start a connector package from the template."),
    "run": ("koppel.cli.run:run", "Sync a flow once (--dry-run writes nothing)."),
    "flows": ("koppel.cli.flows:flows", "List the project's flows (koppel.toml)."),
    "init": ("koppel.cli.init:init", "Start a project: koppel.toml, example flows, .env."),
    "plan": ("koppel.cli.plan:plan", "Show per record and field what a run would change."),
    "check": ("koppel.cli.check:check", "Check a flow file, its plugins and mappings offline."),
    "parked": ("koppel.cli.parked:parked", "List, retry or discard parked records."),
    "log": ("koppel.cli.log:log", "Show the activity log: per record, what happened."),
    "purge": ("koppel.cli.purge:purge", "Delete activity log entries older than an age."),
    "state": ("koppel.cli.state:state", "Show or reset a flow's cursor, bindings and parked."),
    "commitments": ("koppel.cli.commitments:commitments", "Show the commitments register."),
    "bookings": ("koppel.cli.bookings:bookings", "List and show purchase invoices' bookings."),
    "relations": ("koppel.cli.relations:relations", "Fetch, number and export CRM relations."),
    "worker": ("koppel.cli.worker:worker", "Run flows as jobs by their schedules (PostgreSQL)."),
    "status": ("koppel.cli.status:status", "Show every flow: last run, next run, parked, alerts."),
    "serve": ("koppel.cli.serve:serve", "Serve the dashboard and the HTTP API (127.0.0.1)."),
    "users": ("koppel.cli.users:users", "Add, list or remove the dashboard's users."),
    "tokens": ("koppel.cli.tokens:tokens", "Create, list or revoke API tokens."),
}


#: The end of ``koppel --help``: the commands by what they are for, with examples.
EPILOG = """\b
By task:
  run      koppel run --sandbox FLOW ...    koppel run orders (in a project)
  inspect  koppel plan FLOW   koppel log --failed   koppel status   koppel flows
  fix      koppel parked list   koppel parked retry FLOW   koppel state reset FLOW
  set up   koppel install eaccounting   koppel check FLOW   koppel auth CONNECTION --flow FLOW
"""


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EPILOG,
)
@click.version_option(__version__, "--version", prog_name="koppel")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.option(
    "--log-json",
    is_flag=True,
    help="Log JSON lines (from info level: runs, pages, records) on standard error.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, log_json: bool) -> None:
    """koppel keeps orders, invoices, customers, products, stock, relations,
    commitments and purchase invoices in sync between business systems."""
    from koppel.log import configure_logging

    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    level = "debug" if debug else "info" if log_json else "warning"
    configure_logging(json=True if log_json else None, level=level)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the console script: runs the CLI and maps errors to exit codes."""
    from koppel.errors import ConfigurationError, FatalError, KoppelError

    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        result = cli.main(args=argv, prog_name="koppel", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_FAILED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_CONFIG if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KoppelError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        fixable = isinstance(exc, ConfigurationError | FatalError)
        sys.exit(EXIT_CONFIG if fixable else EXIT_FAILED)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("run again with --debug to see the traceback", err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(result if isinstance(result, int) else EXIT_OK)
