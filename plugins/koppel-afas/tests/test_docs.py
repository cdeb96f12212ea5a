"""The documentation names every setting and every field of the recommended GetConnectors."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from koppel_afas.definitions import definitions
from koppel_afas.settings import AfasSettings

PLUGIN = Path(__file__).parents[1]
PAGE = PLUGIN.parents[1] / "docs" / "plugins" / "afas.md"


def test_docs_page_lists_every_setting_and_recommended_field() -> None:
    if not PAGE.is_file():
        pytest.skip("docs/ is not part of this checkout")
    text = PAGE.read_text(encoding="utf-8")
    missing = [f.name for f in attrs.fields(AfasSettings) if f"`{f.name}`" not in text]
    for definition in definitions().values():
        section = text.split(f"### `{definition.id}`", 1)
        assert len(section) == 2, f"no section for {definition.id}"
        body = section[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
        missing += [
            f"{definition.id}.{f.id}" for f in definition.fields if f"| `{f.id}` |" not in body
        ]
    assert missing == []


def test_readme_lists_every_setting() -> None:
    text = (PLUGIN / "README.md").read_text(encoding="utf-8")
    roles = {f"{role}_{kind}" for role in definitions() for kind in ("connector", "fields")}
    missing = [
        f.name
        for f in attrs.fields(AfasSettings)
        if f.name not in roles and f"`{f.name}`" not in text
    ]
    assert missing == [] and "`<role>_connector`" in text and "`<role>_fields`" in text
