"""``koppel check FLOW``: everything about a flow that can be checked offline, and with
``--online`` what only the systems themselves can say."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click

from koppel.cli._flowing import (
    flow_argument,
    in_flow_file,
    json_option,
    load,
    opened_state,
    state_option,
)


@click.command("check")
@flow_argument()
@click.option(
    "--online",
    is_flag=True,
    help="Then ask the systems themselves (with the flow's credentials): the customer's "
    "own definitions and the fields the flow reads and writes. Writes nothing.",
)
@click.option("--sandbox", is_flag=True, help="With --online: ask the built-in sandboxes.")
@state_option
@json_option
def check(
    flow_file: Path, online: bool, sandbox: bool, state_url: str | None, as_json: bool
) -> None:
    """Check FLOW without touching any system: the file, the plugins, the entity,
    the order type, the mappings, the credentials' environment variables and the state
    store; with --online, then against the systems.

    Exits 2 when something must be fixed before the flow can run.
    """
    from koppel.cli import EXIT_CONFIG

    if sandbox and not online:
        raise click.UsageError("--sandbox goes with --online")
    flow = load(flow_file)  # a file that cannot be read is an error (exit 2), as everywhere
    checker = Checker(flow, echo=not as_json)
    checker.record(f"flow file {flow.label} (flow {flow.name})")
    checker.run(credentials=not sandbox)
    if not sandbox:
        checker.step("state store", partial(checker.state_store, state_url))
    if online and not checker.problems:
        checker.online(state_url, sandbox=sandbox)
    if as_json:
        click.echo(json.dumps(checker.as_json(flow_file), indent=2))
    elif checker.problems:
        click.secho(f"{checker.problems} problem(s) found", fg="red", err=True)
    else:
        click.echo("flow is ready to run")
    if checker.problems:
        click.get_current_context().exit(EXIT_CONFIG)


class Checker:
    """Runs the checks one by one, printing each result (unless ``echo`` is False) and
    keeping them for ``--json``."""

    def __init__(self, flow: Any, *, echo: bool = True) -> None:
        from koppel.plugins import get_plugin_manager

        self.flow = flow
        self.manager = get_plugin_manager()
        self.echo = echo
        self.results: list[dict[str, Any]] = []

    @property
    def problems(self) -> int:
        """How many checks failed."""
        return sum(1 for result in self.results if not result["ok"])

    def record(self, label: str, *, note: str | None = None, error: str | None = None) -> None:
        """Keep (and print) one check's result: passed with an optional note, or failed."""
        self.results.append({"check": label, "ok": error is None, "note": note, "error": error})
        if not self.echo:
            return
        if error is not None:
            click.secho(f"FAIL  {label}: {error}", fg="red")
        else:
            click.echo(f"ok    {label}" + (f" ({note})" if note else ""))

    def step(self, label: str, check: Callable[[], str | None]) -> bool:
        from koppel.errors import KoppelError

        try:
            note = check()
        except KoppelError as exc:
            self.record(label, error=str(exc))
            return False
        self.record(label, note=note)
        return True

    def as_json(self, flow_file: Path) -> dict[str, Any]:
        """What ``koppel check --json`` prints."""
        return {
            "file": str(flow_file),
            "flow": self.flow.name,
            "ready": not self.problems,
            "problems": self.problems,
            "checks": self.results,
        }

    def state_store(self, state_url: str | None) -> str:
        """Whether the flow's state store can be reached (without creating or migrating
        it): an existing store answers, a new SQLite file's folder can be written."""
        from koppel.errors import StateError
        from koppel.state._engine import STATE_ENV, create_state_engine, resolve_url

        location = self.flow.state_location(state_url)
        if location is None and not os.environ.get(STATE_ENV):  # as the run opens it
            from koppel.cli._project import find_project

            project = find_project()
            location = project.state if project is not None else None
        try:
            url = resolve_url(location, create=False)
        except StateError:
            return _new_store_folder(location)
        engine = create_state_engine(url)
        try:
            with engine.connect():
                pass
        except Exception as exc:
            raise StateError(
                f"cannot reach the state store: {type(exc).__name__}: {_first_line(exc)}",
                state=url.render_as_string(hide_password=True),
            ) from exc
        finally:
            engine.dispose()
        return url.render_as_string(hide_password=True)

    def run(self, *, credentials: bool = True) -> None:
        """Every offline check; ``credentials`` False leaves out whether the flow's
        credential references resolve here (a sandbox gives its own)."""
        flow = self.flow
        plugins = [
            self.step(f"plugin for system {c.system} ({c.name})", partial(self._system, c))
            for c in (flow.source, flow.target)
        ]
        if not all(plugins):
            return
        self.step(f"{flow.source.system} reads {flow.entity}", lambda: self._entity("read"))
        self.step(f"{flow.target.system} writes {flow.entity}", lambda: self._entity("write"))
        if flow.filters:
            self.step(f"{flow.source.system} takes the filters", self._filters)
        if flow.settings.deletions == "propagate":
            self.step(f"{flow.target.system} deletes {flow.entity}", self._deletions)
        source_ok, target_ok = (
            self.step(f"settings of {config.name}", partial(self._settings, config))
            for config in (flow.source, flow.target)
        )
        if source_ok and target_ok:  # these read the settings: a bad one is reported once
            if flow.order_type:
                self.step(
                    f"{flow.target.system} accepts order type {flow.order_type}",
                    self._order_type,
                )
            self.step(f"inbound mapping of {flow.source.system}", lambda: self._mapping("inbound"))
            self.step(
                f"outbound mapping of {flow.target.system}", lambda: self._mapping("outbound")
            )
        if "relations" in flow.settings.extra:
            self.step("settings.relations", self._relations)
        self._administrations()
        for config in (flow.source, flow.target) if credentials else ():
            for key, reference in config.credentials.items():
                self._credential(config.name, key, reference)

    def _relations(self) -> str:
        from koppel.relations._settings import RelationSettings

        settings = RelationSettings.from_flow(self.flow)
        ranges = (f"{kind}s {r.start}-{r.end}" for kind, r in settings.ranges.items())
        return ", ".join([f"export {settings.export}", *ranges])

    def _administrations(self) -> None:
        """Check the administrations (``koppel.toml``) the flow belongs to: one source
        system per kind of master data among their flows."""
        from koppel.cli._project import find_project
        from koppel.errors import KoppelError
        from koppel.flows import load_flow
        from koppel.purchase.administration import FlowSource, check_administration

        flow = self.flow
        try:
            project = find_project(flow.path.parent if flow.path else None) or find_project()
        except KoppelError as exc:
            self.record("project file", error=str(exc))
            return
        if project is None or not project.administrations:
            return
        names = {flow.name, *([flow.path.stem] if flow.path else [])}
        member = [a for a in project.administrations.values() if names & set(a.flows)]
        if len(member) > 1:
            self.record(
                "administration",
                error=f"flow {flow.name} is in {len(member)} administrations "
                f"({', '.join(a.name for a in member)}) of {project.file}; a flow belongs "
                "to one company",
            )
            return
        if not member:
            return
        administration = member[0]
        sources = []
        loaded = [flow]
        for path in project.flow_files():
            if flow.path is not None and path.resolve() == flow.path.resolve():
                continue
            try:
                loaded.append(load_flow(path))
            except KoppelError:
                continue  # a broken file is reported when it is checked itself
        for item in loaded:
            sources.append(
                FlowSource(
                    name=item.name,
                    file=item.path or Path(item.label),
                    entity=item.entity,
                    source_system=item.source.system,
                )
            )

        def check() -> str:
            notes = check_administration(administration, sources, file=project.file)
            multi = "Multi ERP on" if administration.multi_erp else "Multi ERP off"
            return "; ".join([multi, *notes])

        self.step(f"administration {administration.name}", check)

    def online(self, state_url: str | None, *, sandbox: bool) -> None:
        """Ask the source whether it can read the entity and the target whether it can
        write it, through connections built as a run builds them (tokens from the store)."""
        from koppel.engine._setup import build_parts

        flow, prepare, tokens = self.flow, None, None
        if sandbox:
            from koppel.cli.run import open_sandboxes

            boxes, state_url = open_sandboxes(True, None, state_url)
            assert boxes is not None
            boxes.manager = self.manager
            flow, prepare, tokens = boxes.prepare(flow), boxes.attach, boxes.tokens
        with opened_state(flow, state_url) as store:
            parts = self.step_value(
                "connections built",
                lambda: build_parts(
                    flow,
                    store,
                    self.manager,
                    dry_run=True,
                    token_store=tokens,
                    prepare_connection=prepare,
                ),
            )
            if parts is None:
                return
            try:
                for connection, direction in ((parts.source, "read"), (parts.target, "write")):
                    self.step(
                        f"{connection.system} {direction}s {flow.entity} (online)",
                        partial(self._online, connection, direction),
                    )
            finally:
                for connection in {id(c): c for c in (parts.source, parts.target)}.values():
                    connection.close()

    def _online(self, connection: Any, direction: str) -> str:
        from koppel.engine._mappings import flow_overrides
        from koppel.sync import Direction

        mapped = Direction.INBOUND if direction == "read" else Direction.OUTBOUND
        hooks = self.manager.hooks_for(connection.system)
        note = hooks.check_online(
            connection=connection,
            entity=self.flow.entity,
            direction=direction,
            overrides=flow_overrides(self.flow, mapped),
        )
        return note or "nothing to ask online"

    def step_value(self, label: str, build: Callable[[], Any]) -> Any:
        """Like :meth:`step`, for a check that builds something: it, or None on failure."""
        built: list[Any] = []
        self.step(label, lambda: built.append(build()))
        return built[0] if built else None

    def _system(self, config: Any) -> str:
        info = self.manager.system(config.system)
        return info.title

    def _entity(self, mode: str) -> None:
        from koppel.errors import ConfigurationError

        config = self.flow.source if mode == "read" else self.flow.target
        info = self.manager.system(config.system)
        entity = info.entity(self.flow.entity)
        if entity is None or not getattr(entity, mode):
            names = info.readable if mode == "read" else info.writable
            raise ConfigurationError(
                f"system {info.name} cannot {mode} {self.flow.entity!r}; "
                f"it can {mode}: {', '.join(names) or 'nothing'}",
                file=self.flow.label,
                path="entity",
            )

    def _filters(self) -> str:
        from koppel.engine._setup import check_filters

        check_filters(self.flow, self.manager.system(self.flow.source.system))
        return ", ".join(self.flow.filters)

    def _deletions(self) -> str | None:
        from koppel.engine._setup import check_deletions, unpropagated_deletions

        check_deletions(self.flow, self.manager.system(self.flow.target.system))
        return unpropagated_deletions(self.flow, self.manager.system(self.flow.source.system))

    def _settings(self, config: Any) -> str | None:
        from koppel.errors import ConfigurationError

        info = self.manager.system(config.system)
        given = {**config.settings, **config.credentials}
        missing = [s.name for s in info.settings if s.required and s.name not in given]
        if missing:
            raise ConfigurationError(
                f"missing required setting(s): {', '.join(missing)}",
                file=self.flow.label,
                path=f"connections.{config.name}",
            )
        if info.check_settings is not None:
            connection = self._connection(config)
            try:
                info.check_settings(config.name, {**connection.settings, **connection.secrets})
            except ConfigurationError as exc:
                raise exc.with_context(file=self.flow.label) from None
        from koppel.engine._setup import unknown_settings

        plain = [s.name for s in info.settings if s.secret and s.name in config.settings]
        unknown = unknown_settings(given, info)
        notes = []
        if plain:
            notes.append(f"secret(s) {', '.join(plain)} belong in credentials")
        if unknown:
            notes.append(f"not known to {info.name}: {', '.join(unknown)}")
        return "; ".join(notes) or None

    def _connection(self, config: Any) -> Any:
        from koppel.sync import Connection

        # Offline: a credential stands as its reference (env:NAME), which is never resolved.
        references = {key: str(value) for key, value in config.credentials.items()}
        settings = dict(config.settings)
        if config is self.flow.target:  # as a run builds it: the flow's settings under its own
            from koppel.engine._setup import flow_settings

            settings = {**flow_settings(self.flow), **settings}
        return Connection(
            name=config.name, system=config.system, settings=settings, secrets=references
        )

    def _order_type(self) -> str:
        from koppel.accounting import check_order_type_supported

        target = self.flow.target
        hooks = self.manager.hooks_for(target.system)
        supported = list(hooks.supports_order_types(connection=self._connection(target)) or ())
        check_order_type_supported(
            self.flow.order_type, supported, system=target.system, flow=self.flow.name
        )
        return "supports: " + ", ".join(str(t) for t in supported)

    def _mapping(self, direction: str) -> str:
        from koppel.engine._mappings import compile_flow_mapping
        from koppel.errors import MappingError
        from koppel.sync import Direction

        config = self.flow.source if direction == "inbound" else self.flow.target
        hooks = self.manager.hooks_for(config.system)
        try:
            compiled = compile_flow_mapping(
                self.flow,
                hooks,
                self._connection(config),
                Direction(direction),
                self.manager.mapping_functions(),
            )
        except MappingError as exc:
            raise in_flow_file(exc, self.flow) from None
        if compiled is None:
            return "none: records pass through unchanged"
        fields = getattr(compiled, "fields", ())
        return f"{len(fields)} fields compiled"

    def _credential(self, connection: str, key: str, reference: str) -> None:
        where = f"connections.{connection}.credentials.{key}"
        if reference.startswith("env:") and not os.environ.get(reference[4:]):
            self.record(where, error=f"environment variable {reference[4:]} is not set here")
        else:
            self.record(where)


def _new_store_folder(location: str | None) -> str:
    """The note for a SQLite store that does not exist yet, when its folder can be made."""
    from koppel.errors import StateError
    from koppel.state._engine import STATE_ENV, default_state_path

    path = Path(location or os.environ.get(STATE_ENV) or default_state_path()).expanduser()
    path = path.resolve()
    folder = next(p for p in path.parents if p.exists())
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StateError(f"cannot create the state store {path}: {folder} is not writable")
    return f"{path}: created by the first run"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""
