"""The worked example in docs/mapping.md runs and prints what the page shows."""

import json
import re
from pathlib import Path

import pytest

from koppel.cli import main

PAGE = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", PAGE.read_text(), re.DOTALL)


def test_docs_mapping_example_output_is_what_koppel_map_prints(tmp_path, capsys):
    (tmp_path / "orders_inbound.toml").write_text(blocks("toml")[0])
    (tmp_path / "order.json").write_text(blocks("json")[0])
    try:
        main(["map", str(tmp_path / "orders_inbound.toml"), str(tmp_path / "order.json")])
    except SystemExit as exit_:
        assert exit_.code in (None, 0)
    assert json.loads(capsys.readouterr().out) == json.loads(blocks("json")[1])


def test_docs_mapping_error_example_is_the_real_message(tmp_path, capsys):
    shown = re.search(r"^\s*(error: invalid expression .*)$", PAGE.read_text(), re.MULTILINE)
    path = tmp_path / "orders.toml"
    path.write_text('[fields]\ntotal = "sum(Rows[].Amount"\n')
    (tmp_path / "s.json").write_text("{}")
    with pytest.raises(SystemExit) as exit_:
        main(["map", str(path), str(tmp_path / "s.json")])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == shown.group(1).replace("orders.toml", str(path))


def test_docs_mapping_lists_every_core_function():
    from koppel.mapping import CORE_FUNCTIONS

    text = PAGE.read_text()
    for name in [*CORE_FUNCTIONS, "lookup"]:
        assert f"`{name}(" in text, name
