"""Keep only the mappings and resource modules of the chosen entities; give dotfiles their dots."""

from pathlib import Path

reads = [e for e in {{ cookiecutter.__reads | tojson }}.split(",") if e]
writes = [e for e in {{ cookiecutter.__writes | tojson }}.split(",") if e]
wanted = {f"{e}.inbound.toml" for e in reads} | {f"{e}.outbound.toml" for e in writes}

package = Path({{ cookiecutter.__package | tojson }})
for path in (package / "mappings").glob("*.toml"):
    if path.name not in wanted:
        path.unlink()
for entity in {{ cookiecutter._entities.keys() | list | tojson }}:
    if entity not in reads and entity not in writes:
        (package / "resources" / f"{entity}.py").unlink()

# Dotfiles are named without their dot in the template so that they ship
# inside the koppel wheel (package data globs skip hidden files).
Path("gitignore").rename(".gitignore")
Path("github").rename(".github")
