"""A misspelt core key under [settings] is an error with a hint; other keys go to plugins."""

from __future__ import annotations

import pytest

from koppel.errors import FlowFileError
from koppel.flows import parse_flow

BASE = {
    "name": "typos",
    "source": "a",
    "target": "b",
    "entity": "customers",
    "connections": {"a": {"system": "a"}, "b": {"system": "b"}},
}


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("on_ambigous", "on_ambiguous"),
        ("deletion", "deletions"),
        ("chunksize", "chunk_size"),
        ("concurency", "concurrency"),
    ],
)
def test_flow_settings_a_misspelt_core_key_names_the_one_meant(typo: str, meant: str) -> None:
    with pytest.raises(FlowFileError, match=f"did you mean '{meant}'") as caught:
        parse_flow({**BASE, "settings": {typo: "x"}})
    assert caught.value.context["path"] == f"settings.{typo}"


def test_flow_settings_a_plugin_key_near_no_core_key_is_kept_for_the_plugins() -> None:
    flow = parse_flow({**BASE, "settings": {"currency": "EUR", "journal": "90"}})
    assert flow.settings.extra == {"currency": "EUR", "journal": "90"}
