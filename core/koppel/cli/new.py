"""``koppel new [SYSTEM]``: start a connector package from koppel's cookiecutter template.

The template ships inside the installed package (``koppel/cli/connector_template``,
a link to ``cookiecutter-connector/`` in a checkout), so the command works from a
plain ``pip install 'koppel[new]'``; in a checkout where the link is missing the
repository's ``cookiecutter-connector/`` is used.
"""

from __future__ import annotations

from pathlib import Path

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


def parse_answers(values: tuple[str, ...]) -> dict[str, str]:
    """``("auth=oauth2", ...)`` -> ``{"auth": "oauth2", ...}``."""
    answers: dict[str, str] = {}
    for value in values:
        name, sep, answer = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="--set")
        answers[name.strip()] = answer
    return answers


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

    Asks for the system's title, auth kind, pagination kind and the entities it
    reads and writes, then writes koppel-SYSTEM/ with a working plugin, sandbox,
    cassette and tests.
    """
    from koppel.errors import ConfigurationError

    try:
        from cookiecutter.exceptions import CookiecutterException
        from cookiecutter.main import cookiecutter
    except ImportError as exc:
        raise ConfigurationError(
            "koppel new needs cookiecutter: pip install 'koppel[new]'"
        ) from exc
    context = parse_answers(answers)
    if system:
        context["system"] = system
    try:
        created = cookiecutter(
            str(template_path()),
            no_input=no_input,
            extra_context=context,
            output_dir=str(output_dir),
        )
    except CookiecutterException as exc:
        raise ConfigurationError(f"the template was not rendered: {exc}") from exc
    click.echo(f"Created {created}")
    click.echo("Next: cd into it, `pip install -e .` and run `pytest` (see its README.md).")
