"""What the sandboxes of a ``--sandbox`` command hold, kept beside its state store so that
the next command continues from it (:meth:`koppel.cli.run.Sandboxes.keep`)."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from koppel.sandbox import Sandbox

__all__ = ["KEPT", "KeptSandboxes", "SandboxData", "read_kept", "write_kept"]

#: The suffix of the file beside a sandbox state store that keeps the sandboxes' data.
KEPT = ".sandboxes"
_KEPT_VERSION = 1


@attrs.frozen
class SandboxData:
    """What one sandbox holds: its store's collections (records and the next id each
    issues) and the picklable attributes its subclass adds to :class:`Sandbox` (counters,
    a seeded random generator, ...). Routes, locks, clock and OAuth are not data."""

    collections: dict[str, tuple[str, dict[str, Any], int]]
    attributes: dict[str, bytes]

    @classmethod
    def of(cls, box: Sandbox) -> SandboxData:
        """The data of ``box`` now."""
        from koppel.sandbox import Sandbox

        collections = {}
        for name in box.store.names():
            collection = box.store[name]
            next_id = next(collection._ids)
            collection._ids = itertools.count(next_id)
            collections[name] = (collection.id_field, collection._records, next_id)
        base = set(vars(Sandbox("base"))) | {"store"}
        attributes = {}
        unpicklable = (pickle.PicklingError, TypeError, AttributeError, ValueError)
        for name, value in vars(box).items():
            if name not in base:
                with contextlib.suppress(*unpicklable):  # a lock, a client: not data
                    attributes[name] = _dumps(value)
        return cls(collections, attributes)

    def restore(self, box: Sandbox) -> None:
        """Put this data into ``box``, a sandbox freshly made by its plugin (collections
        are filled in place, so routes that hold one see the kept records)."""
        for name, (id_field, records, next_id) in self.collections.items():
            collection = box.store.collection(name, id_field=id_field)
            collection._records = records
            collection._ids = itertools.count(next_id)
        for name, data in self.attributes.items():
            setattr(box, name, pickle.loads(data))  # koppel wrote it: read_kept


@attrs.frozen
class KeptSandboxes:
    """The file beside a sandbox state store: the seed and each system's data."""

    seed: int
    systems: dict[str, SandboxData]


class _Pickler(pickle.Pickler):
    """Pickles ``itertools.count`` by its next value (its own pickling is deprecated)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, itertools.count):
            start, _, step = repr(obj)[len("count(") : -1].partition(", ")
            return itertools.count, (int(start), int(step or 1))
        return NotImplemented


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def read_kept(path: Path) -> KeptSandboxes | None:
    """The sandboxes kept at ``path``, or None when there is no such file.

    The file is a pickle that koppel wrote for the owner only (:func:`write_kept`);
    one of another owner, or of another koppel version, is refused.
    """
    from koppel.errors import StateError

    if not path.is_file():
        return None
    if hasattr(os, "getuid") and path.stat().st_uid != os.getuid():
        raise StateError(f"{path} belongs to another user: delete it or use --state")
    try:
        version, kept = pickle.loads(path.read_bytes())  # our own file, owner-only
    except Exception as exc:
        raise StateError(
            f"cannot read the kept sandboxes {path}: {exc}; start afresh with koppel run --sandbox"
        ) from exc
    if version != _KEPT_VERSION or not isinstance(kept, KeptSandboxes):
        raise StateError(f"{path} was kept by another koppel version; start afresh")
    return kept


def write_kept(path: Path, kept: KeptSandboxes) -> None:
    """Write ``kept`` to ``path``, readable by its owner only, replacing it at once."""
    partial = path.with_name(path.name + ".new")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(_dumps((_KEPT_VERSION, kept)))
    partial.replace(path)
