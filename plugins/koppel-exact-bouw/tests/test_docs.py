"""The plugin's README and documentation page name every setting and every entity."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from koppel_exact_bouw.resources import (
    CommitmentBookings,
    Commitments,
    Projects,
    PurchaseInvoices,
    Relations,
)
from koppel_exact_bouw.settings import ExactBouwSettings

PLUGIN = Path(__file__).parents[1]
PAGES = [PLUGIN / "README.md", PLUGIN.parents[1] / "docs" / "plugins" / "exact-bouw.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_names_every_setting_entity_and_the_assumptions(page: Path) -> None:
    if not page.is_file():
        pytest.skip(f"{page} is not part of this checkout")
    text = page.read_text("utf-8")
    for field in attrs.fields(ExactBouwSettings):
        assert f"`{field.name}`" in text, f"{page.name} does not name the setting {field.name}"
    for resource in (Commitments, CommitmentBookings, PurchaseInvoices, Projects, Relations):
        assert f"`{resource.entity}`" in text
    assert "## Assumptions" in text and "## Facts and sources" in text
