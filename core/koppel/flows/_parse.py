"""Reading and validating flow files (TOML).

Every error names the file, the key path and what was expected::

    flows/shop.toml: connections.shop.system: expected a string, got 42 (integer)
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from koppel.errors import ConfigurationError, FlowFileError
from koppel.flows._lookups import load_lookup_file
from koppel.flows._model import ConnectionConfig, Flow, FlowSettings, WriteRule
from koppel.flows._schedule import Schedule, check_cron, check_timezone
from koppel.flows._secrets import is_reference
from koppel.log import get_logger, is_secret_key

__all__ = ["load_flow", "parse_flow"]

_TOP_KEYS = (
    "name",
    "source",
    "target",
    "entity",
    "order_type",
    "state",
    "schedule",
    "connections",
    "filters",
    "settings",
    "mapping",
    "lookups",
)
_CONNECTION_KEYS = ("system", "settings", "credentials")
_MAPPING_KEYS = ("inbound", "outbound")
_SCHEDULE_KEYS = ("cron", "timezone")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def load_flow(path: str | Path) -> Flow:
    """Read, parse and validate the flow file at ``path``.

    :raises FlowFileError: naming the file and key path of the first problem.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise FlowFileError(
            f"cannot read flow file: {exc.strerror or exc}", file=str(file)
        ) from exc
    except UnicodeDecodeError as exc:
        raise FlowFileError(
            f"not UTF-8 text: cannot decode byte {exc.start}", file=str(file)
        ) from exc
    return parse_flow(text, path=file)


def parse_flow(source: str | Mapping[str, Any], *, path: Path | None = None) -> Flow:
    """Parse a flow from TOML text or already-loaded data.

    :param path: the file it came from: names it in errors, anchors relative
        lookup files and state paths, and gives the flow's default name.
    """
    file = str(path) if path else None
    if isinstance(source, str):
        try:
            data: Mapping[str, Any] = tomllib.loads(source)
        except tomllib.TOMLDecodeError as exc:
            raise FlowFileError(f"not valid TOML: {exc}", file=file) from exc
    else:
        data = source
    return _Parser(file, path).flow(data)


def _kind(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "table"}
    return names.get(type(value), "array" if isinstance(value, list) else type(value).__name__)


class _Parser:
    def __init__(self, file: str | None, path: Path | None) -> None:
        self.file = file
        self.path = path
        self.warnings: list[str] = []

    def error(self, where: str, message: str) -> FlowFileError:
        return FlowFileError(f"{where}: {message}", file=self.file, path=where)

    def expected(self, where: str, what: str, value: Any) -> FlowFileError:
        return self.error(where, f"expected {what}, got {value!r} ({_kind(value)})")

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.expected(where, "a table", value)
        return value

    def string(
        self, data: Mapping[str, Any], key: str, where: str, *, required: bool
    ) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.error(where, "is required (a string)")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.expected(where, "a non-empty string", value)
        return value.strip()

    def known_keys(self, data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in data:
            if key not in allowed:
                place = f"{where}.{key}" if where else key
                raise self.error(place, f"unknown key; expected one of: {', '.join(allowed)}")

    # -- sections ----------------------------------------------------------

    def flow(self, data: Mapping[str, Any]) -> Flow:
        self.known_keys(data, _TOP_KEYS, "")
        default_name = self.path.stem if self.path else None
        name = self.string(data, "name", "name", required=default_name is None) or default_name
        assert name is not None
        if not _NAME.match(name):
            raise self.expected("name", "letters, digits, '-', '_' or '.'", name)
        connections = self.connections(self.table(data, "connections", "connections"))
        source = self.pick(connections, data, "source")
        target = self.pick(connections, data, "target")
        if source.name == target.name:
            raise self.error("target", f"source and target are both {source.name!r}")
        entity = self.string(data, "entity", "entity", required=True)
        assert entity is not None
        return Flow(
            name=name,
            path=self.path,
            source=source,
            target=target,
            entity=entity,
            order_type=self.string(data, "order_type", "order_type", required=False),
            filters=self.filters(self.table(data, "filters", "filters")),
            settings=self.settings(self.table(data, "settings", "settings")),
            mapping=self.mapping(self.table(data, "mapping", "mapping")),
            lookups=self.lookups(self.table(data, "lookups", "lookups")),
            schedule=self.schedule(data),
            state=self.string(data, "state", "state", required=False),
            warnings=tuple(self.warnings),
        )

    def pick(
        self, connections: Mapping[str, ConnectionConfig], data: Mapping[str, Any], where: str
    ) -> ConnectionConfig:
        name = self.string(data, where, where, required=True)
        assert name is not None
        if name not in connections:
            known = ", ".join(connections) or "none"
            raise self.error(where, f"names connection {name!r}, not in [connections] ({known})")
        return connections[name]

    def connections(self, table: Mapping[str, Any]) -> dict[str, ConnectionConfig]:
        found: dict[str, ConnectionConfig] = {}
        for name, body in table.items():
            where = f"connections.{name}"
            if not isinstance(body, dict):
                raise self.expected(where, "a table with system, settings and credentials", body)
            self.known_keys(body, _CONNECTION_KEYS, where)
            system = self.string(body, "system", f"{where}.system", required=True)
            assert system is not None
            settings = self.table(body, "settings", f"{where}.settings")
            credentials = self.table(body, "credentials", f"{where}.credentials")
            for key, value in credentials.items():
                if not isinstance(value, str) or not value:
                    raise self.expected(
                        f"{where}.credentials.{key}", "a reference such as env:NAME", value
                    )
                if not is_reference(value):
                    self.warn(
                        f"{where}.credentials.{key} is a plain secret in the flow file; "
                        "use env:NAME or keyring:service/name"
                    )
            for key, value in settings.items():
                if is_secret_key(key) and isinstance(value, str) and not is_reference(value):
                    self.warn(
                        f"{where}.settings.{key} looks like a plain secret in the flow file; "
                        f"move it to {where}.credentials as env:NAME or keyring:service/name"
                    )
            found[name] = ConnectionConfig(
                name=name, system=system, settings=dict(settings), credentials=dict(credentials)
            )
        return found

    def filters(self, table: Mapping[str, Any]) -> dict[str, Any]:
        filters = dict(table)
        status = filters.get("status")
        if status is not None:
            if isinstance(status, str):
                status = [status]
            if not isinstance(status, list) or not all(isinstance(s, str) for s in status):
                raise self.expected("filters.status", "a list of status names", status)
            filters["status"] = status
        return filters

    def settings(self, table: Mapping[str, Any]) -> FlowSettings:
        known = {
            "default_debtor",
            "write_rules",
            "concurrency",
            "chunk_size",
            "on_ambiguous",
            "deletions",
        }
        for key in table:  # other keys go to the plugins, but not a core key misspelt
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.9)
            if key not in known and close:
                raise self.error(f"settings.{key}", f"unknown key; did you mean {close[0]!r}?")
        debtor = table.get("default_debtor")
        if debtor is not None and not isinstance(debtor, str | int):
            raise self.expected("settings.default_debtor", "a debtor number", debtor)
        rules: dict[str, WriteRule] = {}
        for field, rule in self.table(table, "write_rules", "settings.write_rules").items():
            try:
                rules[field] = WriteRule(rule)
            except ValueError:
                options = ", ".join(r.value for r in WriteRule)
                raise self.expected(
                    f"settings.write_rules.{field}", f"one of {options}", rule
                ) from None
        self.table(table, "enrichment", "settings.enrichment")
        self.stock(self.table(table, "stock", "settings.stock"))
        return FlowSettings(
            default_debtor=None if debtor is None else str(debtor),
            write_rules=rules,
            concurrency=self.positive(table, "concurrency", 4, limit=64),
            chunk_size=self.positive(table, "chunk_size", 500, limit=10_000),
            on_ambiguous=self.choice(table, "on_ambiguous", ("error", "first")),
            deletions=self.choice(table, "deletions", ("report", "propagate")),
            extra={k: v for k, v in table.items() if k not in known},
        )

    def stock(self, table: Mapping[str, Any]) -> None:
        self.known_keys(table, ("formula", "manages_stock", "allow_negative"), "settings.stock")
        self.string(table, "formula", "settings.stock.formula", required=False)
        if "formula" in table:
            from koppel.accounting import StockSettings

            try:  # compiled now, so that `koppel check` finds a bad formula offline
                StockSettings(formula=table["formula"])
            except ConfigurationError as exc:
                raise self.error("settings.stock.formula", exc.message) from exc
        for key in ("manages_stock", "allow_negative"):
            if key in table and not isinstance(table[key], bool):
                raise self.expected(f"settings.stock.{key}", "true or false", table[key])

    def choice(self, table: Mapping[str, Any], key: str, options: tuple[str, ...]) -> str:
        """``settings.<key>``: one of ``options``, the first by default."""
        value = table.get(key, options[0])
        if value not in options:
            wanted = " or ".join(repr(o) for o in options)
            raise self.expected(f"settings.{key}", wanted, value)
        return str(value)

    def positive(self, table: Mapping[str, Any], key: str, default: int, *, limit: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            raise self.expected(f"settings.{key}", f"a whole number from 1 to {limit}", value)
        return value

    def mapping(self, table: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        self.known_keys(table, _MAPPING_KEYS, "mapping")
        found: dict[str, Mapping[str, Any]] = {
            key: dict(self.table(table, key, f"mapping.{key}")) for key in table
        }
        for key, fields in found.items():
            self.expressions(fields, f"mapping.{key}")
        return found

    def expressions(self, fields: Mapping[str, Any], where: str) -> None:
        """Check the syntax of every expression the flow's mapping overrides give, so that
        a typo is reported in this file, not in the plugin's mapping it overrides."""
        import jmespath
        from jmespath import exceptions as jp_exceptions

        from koppel.mapping._spec import FIELD_KEYS

        for name, entry in fields.items():
            place = f"{where}.{name}"
            if isinstance(entry, Mapping) and not set(entry) & (FIELD_KEYS | {"remove"}):
                self.expressions(entry, place)  # nested targets: a.b = "..."
                continue
            if isinstance(entry, Mapping):
                for key in ("expr", "source"):
                    if isinstance(entry.get(key), str):
                        self.expressions({key: entry[key]}, place)
                if isinstance(entry.get("fields"), Mapping):
                    self.expressions(entry["fields"], f"{place}.fields")
                continue
            if not isinstance(entry, str):
                continue
            try:
                jmespath.compile(entry)
            except jp_exceptions.JMESPathError as exc:
                position = getattr(exc, "lex_position", None)
                at = f" at position {position}" if isinstance(position, int) else ""
                message = getattr(exc, "msg", None) or type(exc).__name__
                raise self.error(place, f"invalid expression {entry!r}{at}: {message}") from exc

    def lookups(self, table: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        found: dict[str, Mapping[str, Any]] = {}
        for name, body in table.items():
            where = f"lookups.{name}"
            if isinstance(body, dict):
                found[name] = dict(body)
            elif isinstance(body, str):
                try:
                    path = Path(body).expanduser()
                except RuntimeError as exc:  # ~user of no known user
                    raise FlowFileError(
                        f"{where}: cannot expand ~ in the lookup file name: {exc}",
                        file=self.file,
                        path=where,
                    ) from exc
                if not path.is_absolute() and self.path is not None:
                    path = self.path.parent / path
                found[name] = load_lookup_file(path, where=where, file=self.file)
            else:
                raise self.expected(
                    where, "an inline table or a file name (.csv/.json/.toml)", body
                )
        return found

    def schedule(self, data: Mapping[str, Any]) -> Schedule | None:
        value = data.get("schedule")
        if value is None:
            return None
        if isinstance(value, dict):
            self.known_keys(value, _SCHEDULE_KEYS, "schedule")
            cron = self.string(value, "cron", "schedule.cron", required=True)
            zone = self.string(value, "timezone", "schedule.timezone", required=False)
            where = "schedule.cron"
        else:
            if not isinstance(value, str):
                raise self.expected(
                    "schedule", "a cron expression or a table with cron and timezone", value
                )
            cron, zone, where = value, None, "schedule"
        assert cron is not None
        try:
            cron = check_cron(cron)
        except ConfigurationError as exc:
            raise self.error(where, exc.message) from None
        try:
            check_timezone(zone or "UTC")
        except ConfigurationError as exc:
            raise self.error("schedule.timezone", exc.message) from None
        return Schedule(cron, zone or "UTC")

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        get_logger(file=self.file).warning("flow file warning", problem=message)
