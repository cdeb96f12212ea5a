"""``koppel new [SYSTEM]``: start a connector package from koppel's cookiecutter template.

The template ships inside the installed package (``koppel/cli/connector_template``,
a link to ``cookiecutter-connector/`` in a checkout), so the command works from a
plain ``pip install 'koppel[new]'``; in a checkout where the link is missing the
repository's ``cookiecutter-connector/`` is used.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

#: Where the template lives in an installed koppel (a copy, or a link in a checkout).
PACKAGED_TEMPLATE = Path(__file__).with_name("connector_template")
#: Where it lives in a checkout of the repository.
CHECKOUT_TEMPLATE = Path(__file__).resolve().parents[3] / "cookiecutter-connector"


def template_path() -> Path:
    """The folder of the connector template (holding ``cookiecutter.json``).

    :raises ConfigurationError: when neither the packaged nor the checkout's copy exists.
    """
    from koppel.errors import ConfigurationError

    for candidate in (PACKAGED_TEMPLATE, CHECKOUT_TEMPLATE):
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise ConfigurationError(
        "the connector template is missing from this koppel installation; reinstall koppel, "
        "or run cookiecutter on cookiecutter-connector/ of the koppel repository",
        path=str(PACKAGED_TEMPLATE),
    )


#: A system name as flow files spell it (the template's own check says the same).
SYSTEM_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
#: The questions asked when not given on the command line; the others take their
#: defaults (answer them with --set).
ASKED = ("auth", "pagination", "reads", "writes", "base_url")


def questions(template: Path) -> dict[str, Any]:
    """The template's questions with their defaults (a list: the choices, first default)."""
    data = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    return {name: value for name, value in data.items() if not name.startswith("_")}


def parse_answers(values: tuple[str, ...], known: Iterable[str] = ()) -> dict[str, str]:
    """``("auth=oauth2", ...)`` -> ``{"auth": "oauth2", ...}``; a name that is not one of
    ``known`` (when given) is refused, with the closest one."""
    names = sorted(known)
    answers: dict[str, str] = {}
    for value in values:
        name, sep, answer = value.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="--set")
        if names and name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise click.BadParameter(
                f"no question {name!r}; {hint}the questions are: {', '.join(names)}",
                param_hint="--set",
            )
        answers[name] = answer
    return answers


def check_system_name(system: str) -> None:
    """Refuse a system name the template would refuse, before anything is rendered."""
    from koppel.errors import ConfigurationError

    if not SYSTEM_NAME.fullmatch(system):
        raise ConfigurationError(
            f"system {system!r}: use lower-case letters, digits and single hyphens, "
            "e.g. 'afas' or 'exact-online'"
        )


def ask(asked: dict[str, Any], context: dict[str, str]) -> None:
    """Prompt for each of ``asked`` (name -> default, or choices) not in ``context``."""
    prompts = {"auth": "How does the API authenticate?", "pagination": "How does it page lists?"}
    for name, default in asked.items():
        if name in context:
            continue
        if isinstance(default, list):
            context[name] = click.prompt(
                prompts.get(name, name), type=click.Choice(default), default=default[0]
            )
        else:
            context[name] = click.prompt(name.replace("_", " ").capitalize(), default=default)


@click.command("new")
@click.argument("system", required=False)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the package folder.",
)
@click.option("--no-input", is_flag=True, help="Ask nothing: take the defaults and --set answers.")
@click.option(
    "--set",
    "answers",
    multiple=True,
    metavar="NAME=VALUE",
    help="Answer a template question, e.g. --set auth=oauth2 (repeatable).",
)
def new(system: str | None, output_dir: Path, no_input: bool, answers: tuple[str, ...]) -> None:
    """Create a connector package for SYSTEM from the template (needs koppel[new]).

    Asks for the system's name (unless given), auth kind, pagination kind, the
    entities it reads and writes and the API's URL (other answers: --set), then
    writes koppel-SYSTEM/ with a working plugin, sandbox, cassette and tests.
    """
    from koppel.errors import ConfigurationError

    try:
        from cookiecutter.exceptions import CookiecutterException
        from cookiecutter.main import cookiecutter
    except ImportError as exc:
        raise ConfigurationError(
            "koppel new needs cookiecutter: pip install 'koppel[new]'"
        ) from exc
    template = template_path()
    known = questions(template)
    context = parse_answers(answers, known)
    if system:
        context["system"] = system
    if "system" not in context and not no_input:
        context["system"] = click.prompt("System name as flow files spell it (e.g. afas)")
    check_system_name(context.get("system", known["system"]))
    if not no_input:
        ask({name: known[name] for name in ASKED if name in known}, context)
    try:
        created = cookiecutter(
            str(template), no_input=True, extra_context=context, output_dir=str(output_dir)
        )
    except CookiecutterException as exc:
        raise ConfigurationError(f"the template was not rendered: {exc}") from exc
    folder = Path(created)
    click.echo(f"Created {folder}")
    click.echo(f"Next: cd {folder} && pip install -e '.[test]' && pytest (see its README.md).")
