"""Run the journal_entries export of the bookings in a state store, in a process of its
own (the kill test sets ``KOPPEL_TEST_CRASH_AT``): ``python _export_run.py STATE URL``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _make import export_flow, manager

from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.state import open_state


def main(state: str, url: str) -> None:
    erp = MemorySystem("erp", entities={"journal_entries": ("reference",)})
    books = {
        "settings": {"webhook_urls": [url], "webhook_backoff": 0.01},
        "credentials": {"webhook_secret": "env:HOOK_SECRET"},
    }
    with open_state(state) as store:
        run_flow(
            export_flow("journal_entries", "erp", "erp", books=books), store, manager=manager(erp)
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
