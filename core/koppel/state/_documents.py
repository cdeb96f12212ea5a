"""How an activity entry's documents are stored: one compressed JSON payload per entry.

An entry's source, sent payload and answer go into one JSON document
``{"source": ..., "sent": ..., "response": ...}``, compressed with zstandard; with
a dictionary trained on a flow's own entries once it logs :data:`DICT_SAMPLES` in
one batch (small documents that look alike compress several times better with one).
The frame names its dictionary, which is kept as a part (``zdict:<id>``).
JSON text the engine already made (the sent payload, encoded once for its
content hash; the raw source record, for its source hash) is reused when
redaction leaves the document as it is (the source record's only when it
references no part: else the record with its references is encoded anew). It
holds no NaN or infinity (:mod:`koppel.engine._hash` writes them as ``null``), so
it is kept without looking.

Documents that recur from entry to entry, the master data a source attaches
to a record (an order's ``Customer``, a row's ``Article``), are stored once in
``koppel_activity_parts`` by the hash of their JSON: the entry keeps
``{"$koppel_part":"<hash>"}`` in their place. A nested document becomes a part
when it is at least :data:`MIN_PART` bytes of JSON and this process saw it
before (a document seen once stays inline); :func:`expand` puts parts back.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import zstandard

from koppel.engine._hash import source_text as engine_text
from koppel.log import needs_redacting, redact, secret_keys

__all__ = [
    "DICT_SAMPLES",
    "MIN_PART",
    "PART_KEY",
    "POINTER",
    "PartSeen",
    "clean_text",
    "compress",
    "compressor",
    "decompress",
    "decompressor",
    "dictionary_id",
    "dictionary_key",
    "dictionary_pointer",
    "dump",
    "expand",
    "part_refs",
    "source_text",
    "train",
]

#: The key of a reference to a part, in place of the document it stands for.
PART_KEY = "$koppel_part"
#: The smallest nested document (bytes of JSON) worth storing as a part.
MIN_PART = 80
#: zstandard's level: 3 is its default, a good ratio at little CPU on small documents.
_LEVEL = 3
#: How many part hashes a process remembers having seen, per generation.
_SEEN_MAX = 8192

#: Entries of one batch it takes to train a flow's compression dictionary, and its size.
DICT_SAMPLES = 100
_DICT_SIZE = 32 * 1024
#: zstandard's training parameters, fixed: segments of 2 KB (k), chosen by their 8-byte
#: substrings (d). Without them it tries some 80 pairs (4 times the CPU of the rest of
#: training, 4% of a first sync of 2,000 orders) for documents at most 2% smaller: it
#: picked k=1998 on eAccounting orders, k=1511 on generated 400-byte customers, d=8.
_DICT_SEGMENT = 2048
_DICT_MATCH = 8

_COMPACT = (",", ":")
_local = threading.local()
#: :func:`json.dumps` with :func:`dump`'s options, built once (not on every call).
_encode = json.JSONEncoder(separators=_COMPACT, default=str, allow_nan=False).encode
#: Types whose values hold no keys.
_SCALARS = frozenset((str, int, float, bool, type(None)))


def dictionary_key(dict_id: int) -> str:
    """The part key a compression dictionary is kept under."""
    return f"zdict:{dict_id}"


#: The start of the part key that names a flow's dictionary (its id as the data).
POINTER = "zdict-for:"


def dictionary_pointer(flow: str) -> str:
    """The part key whose data is the id of ``flow``'s compression dictionary."""
    return f"{POINTER}{flow}"


def train(samples: list[bytes]) -> zstandard.ZstdCompressionDict | None:
    """A compression dictionary trained on ``samples``, or None when they cannot train one."""
    try:
        chosen = samples[: 2 * DICT_SAMPLES]  # enough to learn from; training costs per sample
        return zstandard.train_dictionary(
            _DICT_SIZE,
            list[bytes | bytearray | memoryview](chosen),
            k=_DICT_SEGMENT,
            d=_DICT_MATCH,
        )
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


def decompressor(dictionary: bytes) -> zstandard.ZstdDecompressor:
    """A decompressor for payloads compressed with ``dictionary`` (for one thread)."""
    return zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(dictionary))


def decompress(data: bytes, with_dictionary: zstandard.ZstdDecompressor | None = None) -> str:
    """The text :func:`compress` (or a :func:`compressor`) made; ``with_dictionary`` is
    a :func:`decompressor` of the dictionary it names (:func:`dictionary_id`)."""
    return (with_dictionary or _zstd()[1]).decompress(data).decode()


def dump(value: Any) -> str:
    """Compact JSON as the activity log writes it: anything JSON cannot hold as its
    ``str``, NaN and infinities as text."""
    try:
        return _encode(value)
    except ValueError:
        return json.dumps(_finite(value), separators=_COMPACT, default=str)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def clean_text(value: Mapping[str, Any] | None, known: str | None) -> str:
    """The JSON of ``value`` with secrets redacted (``null`` for None).

    ``known`` is its JSON made already by the engine (:mod:`koppel.engine._hash`), which
    found no secret in ``value`` (:func:`koppel.log.needs_redacting`): it is kept as it is.
    """
    if value is None:
        return "null"
    if known is not None:
        return known
    return dump(redact(value) if needs_redacting(value) else value)


class PartSeen:
    """Which nested documents this process met lately, by hash: met twice, they become
    parts. Two generations of :data:`_SEEN_MAX` each: memory stays flat however many
    records a run logs, and a document met again within them is remembered."""

    def __init__(self) -> None:
        self._now: set[int] = set()
        self._before: set[int] = set()

    def again(self, key: str) -> bool:
        """True when ``key`` was seen lately; remembers it either way."""
        short = int(key[:16], 16)  # a clash only makes a part of a document met once
        if short in self._now or short in self._before:
            self._now.add(short)
            return True
        if len(self._now) >= _SEEN_MAX:
            self._before, self._now = self._now, set()
        self._now.add(short)
        return False


#: Where a candidate sits in a source record: (key,) directly under it, or
#: (list key, row index, key) in an object of one of its lists.
Path = tuple[Any, ...]


def source_text(
    source: Mapping[str, Any],
    known: str | None,
    seen: PartSeen,
    parts: dict[str, str],
    memo: dict[int, tuple[str, str]],
) -> str:
    """The JSON of a source record as the log keeps it: secrets redacted, and recurring
    nested documents as part references (added to ``parts``: hash -> JSON).

    Candidates are the documents directly under the record (``Customer``) and those
    directly in the objects of its lists (``Rows[].Article``); a candidate of at least
    :data:`MIN_PART` bytes that this process met before becomes a reference. ``memo``
    keeps (JSON, hash) by candidate object for one batch, whose records are alive and
    unchanged while it is written (a source hands out one customer object for all its
    orders): such a candidate is looked at for secrets and encoded once.

    ``known`` is the engine's JSON of ``source`` (:func:`koppel.engine._hash.source_text`):
    kept as it is when no candidate becomes a reference, else the record with its
    references is encoded the same way (cheaper than finding the parts in ``known``).
    Without it, or when ``source`` needs redacting, the record is encoded by
    :func:`dump`.
    """
    candidates = _plain_candidates(source, memo)
    if candidates is None:  # it needs redacting; its copies live only as long as this call
        source = redact(source)
        candidates = list(_candidates(source))
        known = None
    encode = dump if known is None else engine_text
    encoded = _encoded(candidates, encode, {} if known is None else memo)
    refs = _references_to_make(candidates, encoded, seen, parts)
    if refs:
        return encode(_reduced(source, refs))
    return known if known is not None else dump(source)


def _references_to_make(
    candidates: list[tuple[Path, dict[str, Any]]],
    encoded: list[tuple[str, str]],
    seen: PartSeen,
    parts: dict[str, str],
) -> list[tuple[Path, str]]:
    """(path, part hash) of the candidates that become references; their parts are
    added to ``parts``. Whether a hash is a part is decided once per record."""
    decided: dict[str, bool] = {}
    refs = []
    for (path, _), (part, key) in zip(candidates, encoded, strict=True):
        if not key:
            continue
        chosen = decided.get(key)
        if chosen is None:
            chosen = decided[key] = key in parts or seen.again(key)
        if chosen:
            parts[key] = part
            refs.append((path, key))
    return refs


def _reduced(source: Mapping[str, Any], refs: list[tuple[Path, str]]) -> dict[str, Any]:
    """A copy of ``source`` with a part reference at each of ``refs``' paths (only the
    lists and objects on the way are copied)."""
    out = dict(source)
    for path, key in refs:
        reference = {PART_KEY: key}
        if len(path) == 1:
            out[path[0]] = reference
            continue
        name, index, inner = path
        rows = out[name]
        if rows is source[name]:
            rows = out[name] = list(rows)
        if rows[index] is source[name][index]:
            rows[index] = dict(rows[index])
        rows[index][inner] = reference
    return out


def _encoded(
    candidates: Iterable[tuple[Path, dict[str, Any]]],
    encode: Callable[[Any], str],
    memo: dict[int, tuple[str, str]],
) -> list[tuple[str, str]]:
    """(JSON, part hash or "" when too small) of each candidate, from ``memo`` when there."""
    encoded = []
    for _, candidate in candidates:
        known = memo.get(id(candidate))
        if known is None:
            part = encode(candidate)
            known = memo[id(candidate)] = (part, "" if len(part) < MIN_PART else _part_key(part))
        encoded.append(known)
    return encoded


def _plain_candidates(
    source: Mapping[str, Any], memo: Mapping[int, object]
) -> list[tuple[Path, dict[str, Any]]] | None:
    """What :func:`_candidates` finds in ``source``, or None when ``source`` needs
    redacting (:func:`koppel.log.needs_redacting`): both in one walk. A candidate in
    ``memo`` is known to need none."""
    if type(source) is not dict or secret_keys(source):
        return None
    found: list[tuple[Path, dict[str, Any]]] = []
    for name, value in source.items():
        kind = type(value)
        if kind in _SCALARS:
            continue
        if kind is dict:
            if id(value) not in memo and needs_redacting(value):
                return None
            found.append(((name,), value))
        elif isinstance(value, list):
            for index, row in enumerate(value):
                if type(row) is not dict:
                    if type(row) not in _SCALARS and needs_redacting(row):
                        return None
                    continue
                if secret_keys(row):
                    return None
                for inner, item in row.items():
                    if type(item) in _SCALARS:
                        continue
                    if type(item) is not dict:
                        if needs_redacting(item):
                            return None
                        continue
                    if id(item) not in memo and needs_redacting(item):
                        return None
                    found.append(((name, index, inner), item))
        elif needs_redacting(value):
            return None
    return found


def _part_key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _candidates(source: Mapping[str, Any]) -> Iterator[tuple[Path, dict[str, Any]]]:
    for name, value in source.items():
        if isinstance(value, dict):
            yield (name,), value
        elif isinstance(value, list):
            for index, row in enumerate(value):
                if isinstance(row, dict):
                    for inner, item in row.items():
                        if isinstance(item, dict):
                            yield (name, index, inner), item


def _references(value: Any) -> Iterator[tuple[Any, Any, str]]:
    """(container, key, hash) of every part reference where :func:`source_text` puts them."""
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
