"""Alembic migrations of the state store, run by :func:`koppel.state.open_state`."""
