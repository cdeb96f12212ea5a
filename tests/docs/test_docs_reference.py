"""Documentation names only commands, options and hooks that exist."""

import inspect
import re
import shlex
from pathlib import Path

import click
import pytest

from koppel import hookspecs
from koppel.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]) + sorted(
    (ROOT / "plugins").glob("*/README.md")
)
HOOKS = {
    name
    for name, obj in vars(hookspecs).items()
    if inspect.isfunction(obj) and hasattr(obj, "koppel_spec")
}

_INLINE = re.compile(r"`(koppel(?: [^`]*)?)`")
_BLOCK_LINE = re.compile(r"^\s*(?:\$ |(?:\S*/)?\.venv/bin/)?(koppel(?: .*)?)$")
_HOOK_MENTION = re.compile(r"`(\w+)`(?: hook| hookimpl)\b|\bhook `(\w+)`")


def command_lines(text: str) -> list[str]:
    """Every ``koppel ...`` invocation in inline code or in code blocks."""
    found = [m.group(1) for m in _INLINE.finditer(text)]
    in_block = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            for part in re.split(r"&&|\|", line):
                match = _BLOCK_LINE.match(part.strip())
                if match:
                    found.append(match.group(1))
    return found


def check_invocation(line: str) -> str | None:
    """None when ``line`` names an existing command path and options, else the problem."""
    try:
        words = shlex.split(line.split("  ")[0])[1:]
    except ValueError:
        return None
    command: click.Command = cli
    ctx = click.Context(cli)
    for word in words:
        if word.startswith("-"):
            name = word.split("=")[0]
            if name in ("-h", "--help", "--version"):
                return None
            options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
            if command is not cli:
                options |= {o for p in cli.params for o in p.opts}
            if name not in options:
                return f"{line!r}: option {name} does not exist on {command.name}"
        elif isinstance(command, click.Group):
            if not re.fullmatch(r"[a-z][a-z0-9-]*", word):
                return None  # a placeholder such as FLOW or <name>
            sub = command.get_command(ctx, word)
            if sub is None:
                return f"{line!r}: command {word!r} does not exist"
            command = sub
        # else: an argument of a leaf command
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_name_only_existing_commands_and_options(page):
    problems = [p for line in command_lines(page.read_text()) if (p := check_invocation(line))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_name_only_existing_hooks(page):
    mentioned = {a or b for a, b in _HOOK_MENTION.findall(page.read_text())}
    assert mentioned <= HOOKS, sorted(mentioned - HOOKS)


def test_the_checker_catches_what_does_not_exist():
    assert check_invocation("koppel plugins --json") is None
    assert "does not exist" in check_invocation("koppel plugins --yaml")
    assert "does not exist" in check_invocation("koppel frobnicate FLOW")
    assert command_lines("run `koppel plugins` or\n```\n$ koppel plugins --json\n```") == [
        "koppel plugins",
        "koppel plugins --json",
    ]
    assert _HOOK_MENTION.findall("the `upsert` hook and hook `fetch_records`") == [
        ("upsert", ""),
        ("", "fetch_records"),
    ]
