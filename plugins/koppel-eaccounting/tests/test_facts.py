"""The facts table: every fact has a source, and the docs show the table as it is."""

from __future__ import annotations

from pathlib import Path

from koppel.sandbox import facts_table
from koppel_eaccounting import facts

DOCS = Path(__file__).resolve().parents[3] / "docs" / "plugins" / "eaccounting.md"


def test_facts_table_in_the_docs_is_the_current_one() -> None:
    assert facts_table(facts.API).strip() in DOCS.read_text("utf-8")


def test_facts_number_limits_name_a_source_and_sit_on_written_fields() -> None:
    for path, fields in facts.NUMBERS.items():
        body = facts.BODIES[path]
        declared = {name for name, _ in body.paths()}
        for name, limit in fields.items():
            assert name in declared, f"{path} {name}"
            assert limit.source.where and limit.decimals >= 0
            if limit.minimum is not None and limit.maximum is not None:
                assert limit.minimum < limit.maximum
