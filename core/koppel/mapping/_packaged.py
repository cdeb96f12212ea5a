"""Mappings that a plugin ships as data files inside its package."""

from __future__ import annotations

from importlib import resources

from koppel.mapping._spec import MappingSpec, load_mapping_file

__all__ = ["packaged_mapping"]


def packaged_mapping(package: str, name: str) -> MappingSpec | None:
    """The mapping ``mappings/<name>`` shipped in ``package``, or None when it has none.

    A plugin's ``default_mapping`` hookimpl is usually one line::

        return packaged_mapping("koppel_acme", f"{entity}.{direction}.toml")

    :raises MappingError: when the file exists but does not load or compile.
    """
    resource = resources.files(package).joinpath("mappings", name)
    if not resource.is_file():
        return None
    with resources.as_file(resource) as path:
        return load_mapping_file(path)
