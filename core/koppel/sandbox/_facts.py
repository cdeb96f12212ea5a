"""A plugin's facts as a Markdown table, for its docs page (docs/plugins/<system>.md)."""

from __future__ import annotations

from koppel.sandbox._contract import ApiContract, Contract, Field

__all__ = ["facts_table"]

_HEADER = (
    "| endpoint | part | field | type | required | read-only | max length | values | source |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def _values(field: Field) -> str:
    shown = [", ".join(str(v) for v in field.enum)] if field.enum else []
    if field.pattern is not None:
        shown.append(f"`{field.pattern}`")
    if field.width is not None:
        shown.append(f"answered {field.width} wide")
    return "; ".join(shown).replace("|", "\\|")


def _rows(key: str, part: str, contract: Contract) -> list[str]:
    rows = []
    for path, field in contract.paths():
        fact = field.source or contract.source
        kind = f"list of {field.of.name}" if field.type == "list" and field.of else field.type
        rows.append(
            f"| {key} | {part} | {path} | {kind} | {'yes' if field.required else ''} "
            f"| {'yes' if field.read_only else ''} | {field.max_length or ''} "
            f"| {_values(field)} | {fact} |"
        )
    return rows


def facts_table(api: ApiContract) -> str:
    """One row per field of every endpoint's body, query and answer, with its source."""
    rows = [_HEADER]
    for endpoint in api:
        rows.append(f"| {endpoint.key} | | | | | | | | {endpoint.source} |")
        for part in ("body", "query", "answer"):
            contract = getattr(endpoint, part)
            if contract is not None:
                rows += _rows(endpoint.key, part, contract)
    return "\n".join(rows) + "\n"
