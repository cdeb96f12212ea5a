"""``koppel map``: try a mapping by hand on a sample record."""

import json

import pytest

from koppel.cli import EXIT_CONFIG, EXIT_FAILED, main

MAPPING = """
[fields]
number = "Number"
email = { expr = "Email", write = "create_only" }
notes = { expr = "Notes", write = "if_empty" }
terms = "lookup('terms', Terms)"
total = "round_money(Total)"
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "m.toml").write_text(MAPPING)
    sample = {
        "Id": 5,
        "Number": "1001",
        "Email": "a@b.nl",
        "Notes": "n",
        "Terms": 14,
        "Total": 9.995,
    }
    (tmp_path / "s.json").write_text(json.dumps(sample))
    (tmp_path / "lookups.toml").write_text('[terms]\n"14" = "NET14"\n')
    (tmp_path / "existing.json").write_text('{"notes": ""}')
    return tmp_path


def run(capsys, *argv):
    try:
        code = main(["map", *map(str, argv)])
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr()


def test_map_command_prints_the_mapped_record(files, capsys):
    code, out = run(capsys, files / "m.toml", files / "s.json", "--lookup", files / "lookups.toml")
    assert code in (None, 0)
    assert json.loads(out.out) == {
        "number": "1001",
        "email": "a@b.nl",
        "notes": "n",
        "terms": "NET14",
        "total": "10.00",
    }


def test_map_command_for_update_with_existing(files, capsys):
    args = [files / "m.toml", files / "s.json", "--lookup", files / "lookups.toml"]
    code, out = run(capsys, *args, "--for-update", "--existing", files / "existing.json")
    assert json.loads(out.out) == {
        "number": "1001",
        "notes": "n",
        "terms": "NET14",
        "total": "10.00",
    }
    code, out = run(capsys, *args, "--for-update")
    assert code in (None, 0)
    assert "notes" not in json.loads(out.out)


def test_map_command_maps_every_record_of_an_array(files, capsys):
    (files / "many.json").write_text('[{"Number": 1, "Terms": 14}, {"Number": 2, "Terms": 14}]')
    code, out = run(
        capsys, files / "m.toml", files / "many.json", "--lookup", files / "lookups.toml"
    )
    assert code in (None, 0)
    assert [r["number"] for r in json.loads(out.out)] == [1, 2]


def test_map_command_bad_mapping_exits_2_naming_the_file(files, capsys):
    (files / "bad.toml").write_text("[fields]\nx = 'a['\n")
    code, out = run(capsys, files / "bad.toml", files / "s.json")
    assert code == EXIT_CONFIG
    assert "bad.toml" in out.err and "field=x" in out.err and out.err.count("\n") == 1


def test_map_command_record_error_exits_1_naming_the_record(files, capsys):
    (files / "other.json").write_text('{"terms": {"30": "NET30"}}')
    code, out = run(capsys, files / "m.toml", files / "s.json", "--lookup", files / "other.json")
    assert code == EXIT_FAILED
    assert "14 is not in lookup table 'terms'" in out.err
    assert "record=5" in out.err and "field=terms" in out.err


def test_map_command_unknown_lookup_table_exits_2(files, capsys):
    code, out = run(capsys, files / "m.toml", files / "s.json")
    assert code == EXIT_CONFIG and "no lookup table 'terms'" in out.err


def test_map_command_missing_sample_exits_2(files, capsys):
    args = ["--lookup", files / "lookups.toml"]
    code, out = run(capsys, files / "m.toml", files / "none.json", *args)
    assert code == EXIT_CONFIG and "cannot read sample" in out.err


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("m.toml", "not UTF-8 text: cannot decode byte 0"),
        ("s.json", "sample is not UTF-8 text: cannot decode byte 0"),
        ("lookups.toml", "lookups are not UTF-8 text: cannot decode byte 0"),
    ],
)
def test_map_command_file_not_utf8_exits_2_naming_it(files, capsys, broken, message):
    (files / broken).write_bytes(b"\xff\xfe")
    code, out = run(capsys, files / "m.toml", files / "s.json", "--lookup", files / "lookups.toml")
    assert code == EXIT_CONFIG
    assert out.err == f"error: {message} (file={files / broken})\n"
