"""``koppel new``: renders the connector template, and says what is wrong when it cannot."""

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from koppel.cli import EXIT_CONFIG, cli, main
from koppel.cli import new as new_module
from koppel.errors import ConfigurationError


def run_main(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code, capsys.readouterr()


def test_new_renders_a_package_with_the_given_answers(capsys, tmp_path):
    argv = ["new", "shop-x", "--no-input", "-o", str(tmp_path), "--set", "auth=bearer"]
    code, out = run_main(capsys, [*argv, "--set", "reads=stock", "--set", "writes="])
    assert code == 0, out.err
    package = tmp_path / "koppel-shop-x" / "koppel_shop_x"
    assert f"Created {tmp_path / 'koppel-shop-x'}" in out.out
    assert "BearerAuth(" in (package / "client.py").read_text()
    assert sorted(p.name for p in (package / "mappings").iterdir()) == ["stock.inbound.toml"]


def test_new_rejects_an_answer_without_equals_sign(capsys, tmp_path):
    code, out = run_main(capsys, ["new", "--no-input", "-o", str(tmp_path), "--set", "auth"])
    assert code == EXIT_CONFIG
    assert "expected NAME=VALUE" in out.err
    assert not list(tmp_path.iterdir())


def test_new_reports_refused_answers_in_one_line(capfd, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["new", "shop", "--no-input", "-o", str(tmp_path), "--set", "reads=nonsense"])
    err = capfd.readouterr().err
    assert info.value.code == EXIT_CONFIG
    assert "unknown entity nonsense" in err and "the template was not rendered" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["Bad_Name", "Bad Name", "shop--x"])
def test_new_refuses_a_bad_system_name_in_one_line_without_a_traceback(capfd, tmp_path, name):
    with pytest.raises(SystemExit) as info:
        main(["new", name, "--no-input", "-o", str(tmp_path)])
    err = capfd.readouterr().err
    assert info.value.code == EXIT_CONFIG
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "use lower-case letters, digits and single hyphens" in err
    assert not list(tmp_path.iterdir())


def test_new_refuses_a_misspelt_question_naming_the_right_one(capsys, tmp_path):
    code, out = run_main(
        capsys, ["new", "shop", "--no-input", "-o", str(tmp_path), "--set", "auht=oauth2"]
    )
    assert code == EXIT_CONFIG
    assert "no question 'auht'; did you mean 'auth'?" in out.err
    assert not list(tmp_path.iterdir())


def test_new_asks_five_questions_not_the_name_given_and_hints_the_test_extra(tmp_path):
    answers = "oauth2\nodata\ncustomers\norders\nhttps://api.shop.example/v2\n"
    result = CliRunner().invoke(cli, ["new", "shop", "-o", str(tmp_path)], input=answers)
    assert result.exit_code == 0, result.output
    prompts = [line for line in result.output.splitlines() if "]: " in line]
    assert len(prompts) == 5 and not any("System name" in line for line in prompts)
    facts = (tmp_path / "koppel-shop" / "koppel_shop" / "facts.py").read_text()
    assert "https://api.shop.example/v2" in facts
    assert "pip install -e '.[test]' && pytest" in result.output


def test_new_without_cookiecutter_names_the_extra(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "cookiecutter.main", None)
    code, out = run_main(capsys, ["new", "--no-input", "-o", str(tmp_path)])
    assert code == EXIT_CONFIG
    assert "pip install 'koppel[new]'" in out.err


def test_template_path_prefers_the_packaged_copy_then_the_checkout(monkeypatch, tmp_path):
    assert (new_module.template_path() / "cookiecutter.json").is_file()
    monkeypatch.setattr(new_module, "PACKAGED_TEMPLATE", tmp_path / "missing")
    assert new_module.template_path() == new_module.CHECKOUT_TEMPLATE
    monkeypatch.setattr(new_module, "CHECKOUT_TEMPLATE", tmp_path / "gone")
    with pytest.raises(ConfigurationError, match="template is missing"):
        new_module.template_path()


def test_packaged_template_is_the_repository_template():
    packaged = new_module.PACKAGED_TEMPLATE.resolve()
    assert packaged == (Path(__file__).resolve().parents[2] / "cookiecutter-connector")
