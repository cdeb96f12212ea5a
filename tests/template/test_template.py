"""The connector template renders packages that install, register and pass their own tests.

Each answer set is rendered once (a module-scoped fixture), installed into one
fresh environment that holds a non-editable koppel, and checked: lint-clean
output, ``koppel plugins --json`` lists it, and its own tests pass as generated.
The default answers are rendered by that environment's ``koppel new``, which
proves the template ships inside the koppel wheel.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import filelock
import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "cookiecutter-connector"

#: Answer sets: together every auth kind, pagination kind and entity, and a write-only connector.
ANSWERS: dict[str, dict[str, str]] = {
    "default": {},
    "oauth2-odata": {
        "system": "odata-books",
        "title": "OData Books",
        "auth": "oauth2",
        "pagination": "odata",
        "reads": "orders, invoices, journal_entries, purchase_invoices",
        "writes": "customers, journal_entries, relations",
    },
    "bearer-skip-take": {
        "system": "bouwdemo",
        "auth": "bearer",
        "pagination": "skip_take",
        "reads": "commitments, commitment_bookings, relations, stock, projects",
        "writes": "commitments, commitment_bookings, products, invoices, purchase_invoices, "
        "projects",
        "base_url": "https://bouwdemo.example/api",
        "calls_per_minute": "120",
    },
    "api-key-pages-write-only": {
        "system": "ledger",
        "auth": "api_key",
        "pagination": "page_size",
        "reads": "",
        "writes": "stock, orders",
    },
    "oauth2-pages": {
        "system": "crm-two",
        "auth": "oauth2",
        "pagination": "page_size",
        "reads": "relations, customers",
        "writes": "relations",
    },
}


def entities(answer: str) -> list[str]:
    return [name.strip() for name in answer.split(",") if name.strip()]


@pytest.fixture(scope="session")
def template_env(fresh_venv: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A new virtualenv with a non-editable koppel; other dependencies come from this one."""
    env = fresh_venv("template-venv")
    # Building koppel uses the checkout's build/ folder: one xdist worker at a time.
    with filelock.FileLock(tmp_path_factory.getbasetemp().parent / "koppel-build.lock"):
        env.install(ROOT)
    return env


@pytest.fixture(scope="session")
def fresh_python(template_env: Any) -> Path:
    """The Python of ``template_env``."""
    return Path(template_env.python)


def render(name: str, python: Path, cookies: Any, out: Path) -> Path:
    if name == "default":
        koppel = python.parent / "koppel"
        done = subprocess.run(
            [koppel, "new", "--no-input", "-o", out], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return out / "koppel-acme"
    result = cookies.bake(extra_context=ANSWERS[name], template=str(TEMPLATE))
    assert result.exit_code == 0, result.exception
    return Path(result.project_path)


@pytest.fixture(scope="module", params=list(ANSWERS))
def project(
    request: pytest.FixtureRequest,
    template_env: Any,
    fresh_python: Path,
    cookies_session: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, Path]:
    """(answer set, rendered project) installed into ``fresh_python``."""
    name = request.param
    path = render(name, fresh_python, cookies_session, tmp_path_factory.mktemp(name))
    template_env.install(path)
    return name, path


def test_template_renders_a_plugin_package(project: tuple[str, Path]) -> None:
    name, path = project
    answers = ANSWERS[name]
    system = answers.get("system", "acme")
    package = path / ("koppel_" + system.replace("-", "_"))
    assert path.name == f"koppel-{system}"
    files = ("pyproject.toml", "README.md", "tox.ini", ".gitignore", ".github/workflows/ci.yml")
    for part in files:
        assert (path / part).is_file(), part
    for module in ("plugin", "settings", "client", "facts", "sandbox", "resources/__init__"):
        assert (package / f"{module}.py").is_file(), module
    assert json.loads((package / "demo.json").read_text())
    reads = entities(answers.get("reads", "customers, products"))
    writes = entities(answers.get("writes", "customers, orders"))
    expected = {f"{e}.inbound.toml" for e in reads} | {f"{e}.outbound.toml" for e in writes}
    assert {p.name for p in (package / "mappings").iterdir()} == expected
    modules = {p.stem for p in (package / "resources").glob("*.py")}
    assert modules == {"__init__", "_base", *reads, *writes}
    assert list((path / "tests" / "cassettes").rglob("*.yaml"))
    for source in path.rglob("*.py"):
        assert "{{" not in source.read_text(), source
    entry_point = f'"{system}" = "{package.name}.plugin:connector"'
    assert entry_point in (path / "pyproject.toml").read_text()


def test_template_output_never_dispatches_on_entity_names(project: tuple[str, Path]) -> None:
    _, path = project
    dispatch = re.compile(r"\bentity\s*(==|!=|in\b|not in\b)|\bmatch entity\b")
    found = [
        f"{source.relative_to(path)}:{number}: {line.strip()}"
        for source in path.rglob("*.py")
        for number, line in enumerate(source.read_text().splitlines(), 1)
        if dispatch.search(line)
    ]
    assert not found, "\n".join(found)


def test_template_output_is_lint_clean(project: tuple[str, Path]) -> None:
    _, path = project
    for command in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_template_output_is_type_clean(
    project: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    _, path = project
    cache = tmp_path_factory.getbasetemp() / "template-mypy-cache"
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache)],
        cwd=path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_template_plugin_is_listed_by_koppel_plugins(
    project: tuple[str, Path], fresh_python: Path
) -> None:
    name, _ = project
    answers = ANSWERS[name]
    system = answers.get("system", "acme")
    done = subprocess.run(
        [fresh_python.parent / "koppel", "plugins", "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert not [b for b in listing["broken"] if b["name"] == system], listing["broken"]
    [plugin] = [p for p in listing["plugins"] if p["name"] == system]
    assert plugin["distribution"] == f"koppel-{system}"
    assert plugin["system"] == system
    assert plugin["reads"] == sorted(
        entities(answers.get("reads", "customers, products")), key=order_of_entities
    )
    writes = entities(answers.get("writes", "customers, orders"))
    assert plugin["writes"] == sorted(writes, key=order_of_entities)
    assert plugin["order_types"] == (["order"] if "orders" in writes else [])
    assert {"koppel_system", "fetch_records", "upsert", "koppel_sandbox"} <= set(plugin["hooks"])


def test_template_settings_are_typed_and_checked_offline(
    project: tuple[str, Path], fresh_python: Path, tmp_path: Path
) -> None:
    name, _ = project
    answers = ANSWERS[name]
    system = answers.get("system", "acme")
    auth = answers.get("auth", "api_key")
    koppel = fresh_python.parent / "koppel"
    shown = subprocess.run(
        [koppel, "plugins", "show", system, "--json"], capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    settings = {s["name"]: s for s in json.loads(shown.stdout)["settings"]}
    secret = {"api_key": "api_key", "bearer": "token", "oauth2": "client_secret"}[auth]
    env = system.replace("-", "_").upper()
    assert settings[secret]["secret"] and settings[secret]["env"] == f"{env}_{secret.upper()}"
    assert settings["base_url"]["type"] == "str" and settings["base_url"]["default"]
    if answers.get("pagination", "limit_offset") != "odata":
        assert (settings["page_size"]["type"], settings["page_size"]["default"]) == ("int", 100)

    given = 'client_id = "app"' if auth == "oauth2" else ""
    entity = (entities(answers.get("writes", "customers, orders")) or entities(answers["reads"]))[0]
    flow = tmp_path / "flow.toml"
    flow.write_text(
        f'name = "check"\nsource = "a"\ntarget = "b"\nentity = "{entity}"\n'
        f'[connections.a]\nsystem = "{system}"\nsettings = {{ {given} }}\n'
        f'credentials = {{ {secret} = "env:KOPPEL_TEMPLATE_SECRET" }}\n'
        f'[connections.b]\nsystem = "{system}"\n'
        f'settings = {{ {given}{", " if given else ""}base_url = {{ host = "x" }} }}\n'
        f'credentials = {{ {secret} = "env:KOPPEL_TEMPLATE_SECRET" }}\n'
    )
    done = subprocess.run(
        [koppel, "check", flow],
        capture_output=True,
        text=True,
        env={**os.environ, "KOPPEL_TEMPLATE_SECRET": "s"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "connections.b.settings.base_url" in done.stdout, done.stdout
    assert "FAIL  settings of a" not in done.stdout, done.stdout


def order_of_entities(name: str) -> int:
    return list(json.loads((TEMPLATE / "cookiecutter.json").read_text())["_entities"]).index(name)


def test_template_tests_pass_as_generated(project: tuple[str, Path], fresh_python: Path) -> None:
    _, path = project
    # -P: import the installed package (with its package data), not the source folder.
    done = subprocess.run(
        [fresh_python, "-P", "-m", "pytest", "-q", "-p", "no:randomly"],
        cwd=path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"system": "Acme Books"}, "lower-case letters"),
        ({"reads": "customers, widgets"}, "unknown entity widgets"),
        ({"reads": "", "writes": ""}, "at least one entity"),
        ({"base_url": "api.acme.example"}, "not an http(s) URL"),
        ({"calls_per_minute": "many"}, "whole number"),
    ],
)
def test_template_refuses_answers_that_cannot_work(
    cookies: Any, capfd: pytest.CaptureFixture[str], answers: dict[str, str], message: str
) -> None:
    result = cookies.bake(extra_context=answers, template=str(TEMPLATE))
    assert result.exit_code != 0
    assert message in capfd.readouterr().err
