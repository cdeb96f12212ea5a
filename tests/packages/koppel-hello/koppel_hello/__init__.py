"""A tiny system plugin used by koppel's own installation tests."""
