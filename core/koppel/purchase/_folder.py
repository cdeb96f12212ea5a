"""The folder a UBL source reads: files are taken in, read once, then put aside.

Three steps, each a rename within the folder, so a crash between any two loses
no file and reads none twice (the engine's bindings catch a file read again
before its cursor was stored):

1. *intake*: each ``*.xml`` file dropped in the folder is renamed into
   ``queue/`` as ``<stamp>-<name>``; the stamp, a number that only grows, is
   the file's cursor. Taking the order from koppel's own stamp, not the file's
   modification time, means a file moved in with an old time is not skipped.
2. *done*: a queued file whose stamp the stored cursor has passed was booked
   or parked by an earlier run: it is renamed into ``processed/``.
3. *read*: the queued files after the cursor, oldest stamp first.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import attrs

from koppel.errors import ConfigurationError

__all__ = ["PROCESSED", "QUEUE", "Queued", "UblFolder"]

QUEUE = "queue"
PROCESSED = "processed"


@attrs.frozen
class Queued:
    """A file waiting in ``queue/``: its stamp (the cursor), original name and path."""

    stamp: int
    name: str
    path: Path


class UblFolder:
    """The folder of one ``ubl`` connection (setting ``folder``)."""

    def __init__(self, folder: str | os.PathLike[str], *, connection: str | None = None) -> None:
        self.root = Path(folder).expanduser()
        self.connection = connection
        if not self.root.is_dir():
            raise ConfigurationError(
                f"the UBL folder {str(self.root)!r} does not exist or is not a folder",
                connection=connection,
                path="settings.folder",
            )
        self.queue = self.root / QUEUE
        self.processed = self.root / PROCESSED

    def pending(self, cursor: str | None) -> Iterator[Queued]:
        """Take new files in, put aside those the cursor has passed, and give the rest,
        oldest stamp first."""
        after = _stamp_of(cursor)
        self.intake(after)
        for queued in self.queued():
            if after is not None and queued.stamp <= after:
                self.processed.mkdir(exist_ok=True)
                os.replace(queued.path, self.processed / queued.path.name)
            else:
                yield queued

    def intake(self, after: int | None = None) -> None:
        """Rename each ``*.xml`` file of the folder into ``queue/`` with a new stamp, later
        than every queued one and than the cursor ``after`` (also when the clock went back)."""
        dropped = sorted(
            (entry.stat().st_mtime_ns, entry.name)
            for entry in os.scandir(self.root)
            if entry.is_file() and entry.name.lower().endswith(".xml")
        )
        if not dropped:
            return
        self.queue.mkdir(exist_ok=True)
        queued = [queued.stamp for queued in self.queued()]
        stamp = max(time.time_ns(), max(queued, default=0) + 1, (after or 0) + 1)
        for _, name in dropped:
            os.replace(self.root / name, self.queue / f"{stamp}-{name}")
            stamp += 1

    def queued(self) -> list[Queued]:
        """The files in ``queue/``, oldest stamp first."""
        if not self.queue.is_dir():
            return []
        found = []
        for entry in os.scandir(self.queue):
            stamp, _, name = entry.name.partition("-")
            if entry.is_file() and stamp.isdigit() and name:
                found.append(Queued(int(stamp), name, Path(entry.path)))
        return sorted(found, key=lambda queued: queued.stamp)


def _stamp_of(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise ConfigurationError(
            f"the stored cursor {cursor!r} is not a UBL folder stamp; reset the flow's state"
        )
    return int(cursor)
