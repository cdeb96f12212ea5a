"""procrastinate's tables in the workers' PostgreSQL database, created by the first worker."""

from __future__ import annotations

import psycopg
from procrastinate.schema import SchemaManager

__all__ = ["ensure_schema"]

#: Any constant: the advisory lock under which one worker creates procrastinate's tables.
_SCHEMA_LOCK = 0x6B6F7077


def ensure_schema(conninfo: str) -> bool:
    """Create procrastinate's schema unless it is there; True when it was created.

    Workers that start together take turns on an advisory lock, so it is created once.
    An existing schema is left as it is: upgrading procrastinate means applying the
    migration scripts it ships (``procrastinate schema --migrations-path``, see
    docs/operations.md).
    """
    with psycopg.connect(conninfo) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        found = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found is not None and found[0] is not None:
            return False
        conn.execute(SchemaManager.get_schema())
    return True
