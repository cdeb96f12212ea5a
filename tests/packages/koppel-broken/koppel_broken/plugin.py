"""Raises on import, as a plugin with a missing dependency would."""

raise ImportError("koppel_broken needs a module that is not installed")
