"""Keep only the mappings of the chosen entities; give dotfiles their dots."""

from pathlib import Path

reads = [e for e in {{ cookiecutter.__reads | tojson }}.split(",") if e]
writes = [e for e in {{ cookiecutter.__writes | tojson }}.split(",") if e]
wanted = {f"{e}.inbound.toml" for e in reads} | {f"{e}.outbound.toml" for e in writes}

mappings = Path({{ cookiecutter.__package | tojson }}) / "mappings"
for path in mappings.glob("*.toml"):
    if path.name not in wanted:
        path.unlink()

# Dotfiles are named without their dot in the template so that they ship
# inside the koppel wheel (package data globs skip hidden files).
Path("gitignore").rename(".gitignore")
Path("github").rename(".github")
