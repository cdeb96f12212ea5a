"""``[settings.relations]`` of a flow file: export, folder, number ranges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koppel.errors import ConfigurationError
from koppel.flows import parse_flow
from koppel.relations import NumberRange, RelationSettings


def flow(relations: Any, path: Path | None = None) -> Any:
    return parse_flow(
        {
            "name": "crm",
            "source": "a",
            "target": "b",
            "entity": "relations",
            "connections": {"a": {"system": "easyparty"}, "b": {"system": "exact-online"}},
            "settings": {"relations": relations},
        },
        path=path,
    )


def test_settings_read_export_folder_and_ranges(tmp_path: Path) -> None:
    settings = RelationSettings.from_flow(
        flow(
            {"export": "xml", "folder": "out", "debtor_numbers": [10, 20]},
            path=tmp_path / "crm.toml",
        )
    )
    assert settings.export == "xml" and settings.folder == tmp_path / "out"
    assert settings.range_for("debtor") == NumberRange("a:debtor", 10, 20)
    assert (settings.queue, settings.numbers) == ("crm", "a")  # the CRM's numbers
    with pytest.raises(ConfigurationError, match="no number range for creditors") as info:
        settings.range_for("creditor")
    assert info.value.context["path"] == "settings.relations.creditor_numbers"


@pytest.mark.parametrize(
    ("relations", "path", "message"),
    [
        ({"export": "csv"}, "settings.relations.export", "is direct or xml, not 'csv'"),
        ({"debtor_numbers": [20, 10]}, "settings.relations.debtor_numbers", "first <= last"),
        ({"creditor_numbers": 7}, "settings.relations.creditor_numbers", "[first, last]"),
        ({"debtor_numbers": [0, 5]}, "settings.relations.debtor_numbers", "positive"),
        ({"range": [1, 2]}, "settings.relations.range", "unknown key"),
        ("xml", "settings.relations", "must be a table"),
    ],
)
def test_settings_name_the_bad_key(relations: Any, path: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[")) as info:
        RelationSettings.from_flow(flow(relations))
    assert info.value.context["path"] == path
