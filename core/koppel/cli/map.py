"""``koppel map``: apply a mapping file to a sample record and print the result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


@click.command("map")
@click.argument("mapping_file", metavar="MAPPING", type=click.Path(dir_okay=False))
@click.argument("sample_file", metavar="SAMPLE.json", type=click.Path(dir_okay=False))
@click.option(
    "--for-create", "action", flag_value="create", help="Map as for a create (every field)."
)
@click.option(
    "--for-update",
    "action",
    flag_value="update",
    help="Map as for an update: create-only fields stay out, if-empty fields need --existing.",
)
@click.option(
    "--lookup",
    "lookup_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A TOML or JSON file of lookup tables ({table: {key: value}}); repeatable.",
)
@click.option(
    "--existing",
    "existing_file",
    type=click.Path(dir_okay=False),
    help="JSON file with the target's current data, for if-empty fields on update.",
)
def map_command(
    mapping_file: str,
    sample_file: str,
    action: str | None,
    lookup_files: tuple[str, ...],
    existing_file: str | None,
) -> None:
    """Apply MAPPING (TOML or JSON) to the record(s) in SAMPLE.json and print JSON.

    A sample holding a JSON array maps every record in it. Decimals print as
    strings, so no digit is lost.
    """
    from koppel.mapping import compile_mapping, load_mapping_file
    from koppel.mapping.plugin import record_id
    from koppel.sync import Action

    spec = load_mapping_file(mapping_file)
    lookups: dict[str, Any] = {}
    for path in lookup_files:
        lookups.update(_load_tables(path))
    mapping = compile_mapping(spec, name=Path(mapping_file).name, lookups=lookups)
    sample = _load_json(sample_file, "sample")
    existing = _load_json(existing_file, "existing data") if existing_file else None
    chosen = Action(action) if action else None
    records = sample if isinstance(sample, list) else [sample]
    results = [
        mapping.apply(item, action=chosen, existing=existing, record_id=record_id(item))
        for item in records
    ]
    output = results if isinstance(sample, list) else results[0]
    click.echo(json.dumps(output, indent=2, ensure_ascii=False, default=str))


def _load_json(path: str, what: str) -> Any:
    from koppel.errors import ConfigurationError

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read {what}: {exc.strerror}", file=path) from exc
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"{what} is not UTF-8 text: cannot decode byte {exc.start}", file=path
        ) from exc
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"{what} is not valid JSON: {exc.msg}", file=path, line=exc.lineno
        ) from exc


def _load_tables(path: str) -> dict[str, Any]:
    import tomllib

    from koppel.errors import ConfigurationError

    if path.lower().endswith(".toml"):
        try:
            tables = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigurationError(f"cannot read lookups: {exc.strerror}", file=path) from exc
        except UnicodeDecodeError as exc:
            raise ConfigurationError(
                f"lookups are not UTF-8 text: cannot decode byte {exc.start}", file=path
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"lookups are not valid TOML: {exc}", file=path) from exc
    else:
        tables = _load_json(path, "lookups")
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise ConfigurationError("a lookup file holds tables: {table: {key: value}}", file=path)
    return tables
