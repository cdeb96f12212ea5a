"""Refuse answers that would render a package that cannot work, naming the answer."""

import re
import sys

SUPPORTED = {{ cookiecutter._entities.keys() | list | tojson }}
system = {{ cookiecutter.system | tojson }}
reads = [e for e in {{ cookiecutter.__reads | tojson }}.split(",") if e]
writes = [e for e in {{ cookiecutter.__writes | tojson }}.split(",") if e]
base_url = {{ cookiecutter.base_url | tojson }}
calls_per_minute = {{ cookiecutter.calls_per_minute | tojson }}


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", system):
    fail(f"system {system!r}: use lower-case letters, digits and single hyphens, e.g. 'afas'")
for answer, names in (("reads", reads), ("writes", writes)):
    unknown = [name for name in names if name not in SUPPORTED]
    if unknown:
        fail(f"{answer}: unknown entit{'ies' if len(unknown) > 1 else 'y'} "
             f"{', '.join(unknown)}; choose from {', '.join(SUPPORTED)}")
    if len(set(names)) != len(names):
        fail(f"{answer}: an entity is named twice")
if not reads and not writes:
    fail("the connector must read or write at least one entity")
if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", base_url):
    fail(f"base_url {base_url!r} is not an http(s) URL")
if not calls_per_minute.isdigit() or int(calls_per_minute) < 1:
    fail(f"calls_per_minute {calls_per_minute!r} must be a whole number above 0")
