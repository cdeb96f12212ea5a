"""How an activity entry's documents are stored: one compressed JSON payload per entry.

An entry's source, sent payload and answer go into one JSON document
``{"source": ..., "sent": ..., "response": ...}``, compressed with zstandard; with
a dictionary trained on a flow's own entries once it logs :data:`DICT_SAMPLES` in
one batch (small documents that look alike compress several times better with one).
The frame names its dictionary, which is kept as a part (``zdict:<id>``).
JSON text the engine already made (the sent payload, encoded once for its
content hash; the raw source record, for its source hash) is reused when
redaction leaves the document as it is.

Documents that recur from entry to entry, the master data a source attaches
to a record (an order's ``Customer``, a row's ``Article``), are stored once in
``koppel_activity_parts`` by the hash of their JSON: the entry keeps
``{"$koppel_part": "<hash>"}`` in their place. A nested document becomes a part
when it is at least :data:`MIN_PART` bytes of JSON and this process saw it
before (a document seen once stays inline); :func:`expand` puts parts back.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import zstandard

from koppel.log import redact
from koppel.state._engine import dumps

__all__ = [
    "DICT_SAMPLES",
    "MIN_PART",
    "PART_KEY",
    "PartSeen",
    "clean_text",
    "compress",
    "compressor",
    "decompress",
    "dictionary_id",
    "dictionary_key",
    "dump",
    "expand",
    "part_refs",
    "reduce_source",
    "train",
]

#: The key of a reference to a part, in place of the document it stands for.
PART_KEY = "$koppel_part"
#: The smallest nested document (bytes of JSON) worth storing as a part.
MIN_PART = 80
#: zstandard's level: 3 is its default, a good ratio at little CPU on small documents.
_LEVEL = 3
#: How many part hashes a process remembers having seen.
_SEEN_MAX = 200_000

#: Entries of one batch it takes to train a flow's compression dictionary, and its size.
DICT_SAMPLES = 100
_DICT_SIZE = 32 * 1024

_local = threading.local()


def dictionary_key(dict_id: int) -> str:
    """The part key a compression dictionary is kept under."""
    return f"zdict:{dict_id}"


def train(samples: list[bytes]) -> zstandard.ZstdCompressionDict | None:
    """A compression dictionary trained on ``samples``, or None when they cannot train one."""
    try:
        return zstandard.train_dictionary(_DICT_SIZE, list[bytes | bytearray | memoryview](samples))
    except zstandard.ZstdError:
        return None


def compressor(dictionary: zstandard.ZstdCompressionDict | None) -> zstandard.ZstdCompressor:
    """A compressor (with ``dictionary``); for one thread and one batch."""
    if dictionary is None:
        return _zstd()[0]
    return zstandard.ZstdCompressor(level=_LEVEL, dict_data=dictionary)


def dictionary_id(data: bytes) -> int:
    """The id of the dictionary a compressed payload needs (0: none)."""
    return int(zstandard.get_frame_parameters(data).dict_id)


def _zstd() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    """This thread's compressor and decompressor (neither may be shared by threads)."""
    pair = getattr(_local, "zstd", None)
    if pair is None:
        pair = _local.zstd = (zstandard.ZstdCompressor(level=_LEVEL), zstandard.ZstdDecompressor())
    return pair


def compress(text: str) -> bytes:
    """``text`` as compressed UTF-8."""
    return _zstd()[0].compress(text.encode())


def decompress(data: bytes, dictionary: bytes | None = None) -> str:
    """The text :func:`compress` (or a :func:`compressor`) made; ``dictionary`` is the
    one it names (:func:`dictionary_id`)."""
    if dictionary is None:
        return _zstd()[1].decompress(data).decode()
    shared = zstandard.ZstdCompressionDict(dictionary)
    return zstandard.ZstdDecompressor(dict_data=shared).decompress(data).decode()


def dump(value: Any) -> str:
    """JSON of ``value`` as the store writes it (:func:`koppel.state._engine.dumps`)."""
    return dumps(value)


def clean_text(value: Mapping[str, Any] | None, known: str | None) -> str:
    """The JSON of ``value`` with secrets redacted: ``known`` (its JSON already made)
    when redaction leaves ``value`` as it is; ``null`` for None."""
    if value is None:
        return "null"
    clean = redact(value)
    if clean is value and known is not None:
        return known
    return dump(clean)


class PartSeen:
    """Which nested documents this process met, by hash: met twice, they become parts."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def again(self, key: str) -> bool:
        """True when ``key`` was seen before; remembers it either way."""
        if key in self._seen:
            return True
        if len(self._seen) >= _SEEN_MAX:
            self._seen.clear()
        self._seen.add(key)
        return False


def _part_of(value: dict[str, Any], seen: PartSeen, parts: dict[str, str]) -> Any:
    """``value`` or a reference to it as a part (added to ``parts``: hash -> JSON)."""
    text = dump(value)
    if len(text) < MIN_PART:
        return value
    key = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    if key not in parts and not seen.again(key):
        return value
    parts[key] = text
    return {PART_KEY: key}


def reduce_source(
    source: Mapping[str, Any], seen: PartSeen, parts: dict[str, str]
) -> Mapping[str, Any]:
    """``source`` (redacted already) with recurring nested documents as part references.

    Candidates are the documents directly under the record (``Customer``) and those
    directly in the objects of its lists (``Rows[].Article``); ``source`` is not
    changed, a reduced copy is returned (``source`` itself when nothing recurs).
    """
    out: dict[str, Any] | None = None
    for key, value in source.items():
        if isinstance(value, dict):
            new: Any = _part_of(value, seen, parts)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            rows = [_reduce_row(row, seen, parts) for row in value]
            new = value if all(a is b for a, b in zip(rows, value, strict=True)) else rows
        else:
            continue
        if new is not value:
            if out is None:
                out = dict(source)
            out[key] = new
    return source if out is None else out


def _reduce_row(row: Any, seen: PartSeen, parts: dict[str, str]) -> Any:
    if not isinstance(row, dict):
        return row
    out: dict[str, Any] | None = None
    for key, value in row.items():
        if isinstance(value, dict):
            new = _part_of(value, seen, parts)
            if new is not value:
                if out is None:
                    out = dict(row)
                out[key] = new
    return row if out is None else out


def _references(value: Any) -> Iterator[tuple[Any, Any, str]]:
    """(container, key, hash) of every part reference where :func:`reduce_source` puts them."""
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if isinstance(item, dict):
            if PART_KEY in item and len(item) == 1:
                yield value, key, item[PART_KEY]
        elif isinstance(item, list):
            for row in item:
                if isinstance(row, dict):
                    for name, inner in row.items():
                        if isinstance(inner, dict) and PART_KEY in inner and len(inner) == 1:
                            yield row, name, inner[PART_KEY]


def part_refs(value: Any) -> set[str]:
    """The hashes of the parts ``value`` (a stored source) references."""
    return {key for _, _, key in _references(value)}


def expand(value: Any, load: Callable[[str], Any]) -> Any:
    """``value`` with every part reference replaced by ``load(hash)``, in place."""
    for container, key, ref in list(_references(value)):
        container[key] = load(ref)
    return value
