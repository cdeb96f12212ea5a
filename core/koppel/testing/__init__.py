"""Testing helpers for koppel and its connectors (also a pytest plugin)."""
