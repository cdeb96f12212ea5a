"""Lookup tables kept in files next to a flow: CSV, JSON or TOML."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path
from typing import Any

from koppel.errors import FlowFileError

__all__ = ["load_lookup_file"]


def load_lookup_file(path: Path, *, where: str, file: str | None) -> dict[str, Any]:
    """Read one lookup table.

    A CSV file has a header row and two columns, key and value; a JSON file
    holds one object; a TOML file one table (its top level).

    :param where: the key path in the flow file, for error messages.
    :raises FlowFileError: naming the key path and the lookup file.
    """
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FlowFileError(
            f"{where}: lookup file {path} does not exist", file=file, path=where
        ) from None
    except (OSError, ValueError) as exc:  # too long, a directory, no permission, a NUL
        raise FlowFileError(
            f"{where}: cannot read lookup file {path}: {_reason(exc)}", file=file, path=where
        ) from exc
    try:
        if suffix == ".csv":
            return _from_csv(text, where=where, path=path, file=file)
        if suffix == ".json":
            data = json.loads(text)
        elif suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise FlowFileError(
                f"{where}: expected a .csv, .json or .toml lookup file, got {path.name}",
                file=file,
                path=where,
            )
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FlowFileError(
            f"{where}: cannot read lookup file {path}: {exc}", file=file, path=where
        ) from exc
    if not isinstance(data, dict):
        raise FlowFileError(
            f"{where}: expected {path.name} to hold one object of key -> value, "
            f"got {type(data).__name__}",
            file=file,
            path=where,
        )
    return {str(key): value for key, value in data.items()}


def _reason(exc: OSError | ValueError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text: cannot decode byte {exc.start}"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if "null" in str(exc):
        return "the file name contains a NUL character"
    return str(exc)


def _from_csv(text: str, *, where: str, path: Path, file: str | None) -> dict[str, Any]:
    rows = list(csv.reader(text.splitlines()))
    table: dict[str, Any] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise FlowFileError(
                f"{where}: {path.name} line {number}: expected 2 columns (key, value), "
                f"got {len(row)}",
                file=file,
                path=where,
            )
        table[row[0].strip()] = row[1].strip()
    return table
