"""koppel: an open connector framework that keeps business systems in sync."""

from koppel.plugins import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
