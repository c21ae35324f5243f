"""The YAML-folder source's warm-start cache: what each file parsed to, keyed by its stat.

One file per source: a header, then one record per chunk of files parsed together (their
names and `Stat`s, and the pickled `list[Parsed]` exactly as `parse_chunk` produced it, with a
CRC-32). Records are read one at a time, so a large cache never sits in memory whole, and a
chunk whose files are all unchanged is copied to the next cache byte for byte.

The file is ours (in the user's cache folder unless configured otherwise), but it is read with
an unpickler that can build nothing beyond the values a YAML safe loader produces. The files of
a damaged record are parsed again; so are those after a record that cannot even be unpickled,
where the reading stops.
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import io
import logging
import os
import pickle
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import IO, NamedTuple

from newsgraph.plugin_api import cache_folder
from newsgraph.plugins.yaml_parse import PICKLE_PROTOCOL, Parsed

log = logging.getLogger("newsgraph")

Stat = tuple[int, int, int, int]
"""Size, mtime_ns, ctime_ns and inode: a file whose stat is unchanged is not read again."""

MAGIC = b"newsgraph yaml_folder cache\n"
# Bump when parsing gives different results for the same file, so old caches are dropped.
FORMAT = 2


class Chunk(NamedTuple):
    """Files parsed together: their names relative to the folder, their stats, and the
    pickled `list[Parsed]` of those files in the same order, with its CRC-32."""

    names: tuple[str, ...]
    stats: tuple[Stat, ...]
    checksum: int
    blob: bytes

    @classmethod
    def of(cls, names: tuple[str, ...], stats: tuple[Stat, ...], blob: bytes) -> Chunk:
        return cls(names, stats, zlib.crc32(blob), blob)


Parse = Callable[[list[str]], Iterable[Chunk]]
"""Parses the files of the given names, yielding them in chunks."""

_ALLOWED = {
    ("datetime", "date"): datetime.date,
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> type:
        try:
            return _ALLOWED[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed here") from None


def _decode(chunk: Chunk) -> list[Parsed]:
    parsed = _Unpickler(io.BytesIO(chunk.blob)).load()
    if not isinstance(parsed, list) or len(parsed) != len(chunk.names):
        raise ValueError("the chunk does not hold one result per file")
    return parsed


def default_path(root: Path) -> Path:
    """`$XDG_CACHE_HOME/newsgraph/<hash of the resolved folder>.cache` (`~/.cache` by default)."""
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
    return cache_folder() / f"{digest}.cache"


def _as_chunk(value: object) -> Chunk:
    if not (isinstance(value, tuple) and len(value) == 4):
        raise ValueError("not a chunk")
    chunk = Chunk(*value)
    if not (
        isinstance(chunk.names, tuple)
        and isinstance(chunk.stats, tuple)
        and len(chunk.names) == len(chunk.stats)
        and isinstance(chunk.blob, bytes)
        and zlib.crc32(chunk.blob) == chunk.checksum
    ):
        raise ValueError("damaged chunk")
    return chunk


class _Stored(NamedTuple):
    """A sound chunk of the old cache, decoded, and where its record lies in the file."""

    chunk: Chunk
    parsed: list[Parsed]
    start: int
    end: int


class _Reader:
    """The sound chunks of the old cache file, if any; none if it was written for another
    header. A damaged record is skipped, and one that cannot be unpickled ends the reading.
    `complete` tells whether every record was read and sound."""

    def __init__(self, file: IO[bytes] | None, header: tuple[object, ...]) -> None:
        self.file = file
        self.header = header
        self.complete = False

    def __iter__(self) -> Iterator[_Stored]:
        if self.file is None:
            return
        sound = True
        try:
            size = os.fstat(self.file.fileno()).st_size
            if self.file.read(len(MAGIC)) != MAGIC:
                return
            if _Unpickler(self.file).load() != (FORMAT, *self.header):
                return
            while (start := self.file.tell()) < size:
                record = _Unpickler(self.file).load()
                try:
                    chunk = _as_chunk(record)
                    stored = _Stored(chunk, _decode(chunk), start, self.file.tell())
                except Exception:  # any damage inside a sound record means "skip this one"
                    sound = False
                    continue
                yield stored
        except Exception:  # a truncated or damaged file can fail in many ways; all mean "stop"
            return
        self.complete = sound


class _Writer:
    """A new cache file, written beside the old one and put in its place in one step when the
    `with` block ends without an error, so that readers see the old file or the new one.
    Failing to write is logged once and makes the rest no-ops: the cache is an optimisation."""

    def __init__(self, path: Path, header: tuple[object, ...]) -> None:
        self.path = path
        self.file: IO[bytes] | None = None
        self.temporary = ""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, self.temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            self.file = os.fdopen(fd, "wb")
            self.file.write(MAGIC)
            pickle.dump((FORMAT, *header), self.file, PICKLE_PROTOCOL)
        except OSError as error:
            self._fail(error)

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self.file is None:
            return
        if kind is not None:
            self._discard()
            return
        try:
            # No fsync: a cache torn by a crash fails its checks and is rebuilt.
            self.file.close()
            os.replace(self.temporary, self.path)
        except OSError as error:
            self._fail(error)
            return
        self._sweep()

    def _sweep(self) -> None:
        # A process killed while writing leaves its temporary file behind. One untouched for
        # an hour is not another process's cache in the making: loads take seconds.
        stale = time.time() - 3600
        for leftover in self.path.parent.glob(f".{glob.escape(self.path.name)}.*"):
            with suppress(OSError):
                if leftover.stat().st_mtime < stale:
                    leftover.unlink()

    def _discard(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        if self.temporary:
            with suppress(OSError):
                os.unlink(self.temporary)

    def _fail(self, error: OSError) -> None:
        log.warning(
            "cannot write the cache %s (%s); loading goes on without it. Point the source's "
            "`cache` option at a writable file, or set it to false.",
            self.path,
            error,
        )
        self._discard()

    def copy(self, source: IO[bytes], start: int, end: int) -> None:
        if self.file is not None:
            try:
                source.seek(start)
                self.file.write(source.read(end - start))
            except OSError as error:
                self._fail(error)

    def add(self, chunk: Chunk) -> None:
        if self.file is not None:
            try:
                pickle.dump(tuple(chunk), self.file, PICKLE_PROTOCOL)
            except OSError as error:
                self._fail(error)


def _unchanged(chunk: Chunk, files: Mapping[str, Stat]) -> list[int] | None:
    """The positions in `chunk` of the files unchanged since it was parsed (None: all)."""
    now = tuple(map(files.get, chunk.names))
    if now == chunk.stats:  # the common case costs one comparison
        return None
    return [i for i, (seen, was) in enumerate(zip(now, chunk.stats, strict=True)) if seen == was]


def _reuse(
    reader: _Reader, files: Mapping[str, Stat]
) -> tuple[dict[str, Parsed], list[tuple[int, int] | Chunk], bool]:
    """The cached results still valid for `files`; what to keep of the old cache (where its
    unchanged records lie, or chunks re-encoded without their changed files); and whether
    anything changed."""
    results: dict[str, Parsed] = {}
    kept: list[tuple[int, int] | Chunk] = []
    changed = False
    for stored in reader:
        chunk = stored.chunk
        valid = _unchanged(chunk, files)
        if valid is None:
            kept.append((stored.start, stored.end))
            results.update(zip(chunk.names, stored.parsed, strict=True))
            continue
        changed = True
        if valid:
            names = tuple(chunk.names[i] for i in valid)
            parsed = [stored.parsed[i] for i in valid]
            blob = pickle.dumps(parsed, PICKLE_PROTOCOL)
            kept.append(Chunk.of(names, tuple(chunk.stats[i] for i in valid), blob))
            results.update(zip(names, parsed, strict=True))
    return results, kept, changed or not reader.complete


def _parse(names: list[str], parse: Parse, writer: _Writer | None) -> Iterator[tuple[str, Parsed]]:
    for chunk in parse(names) if names else ():
        if writer is not None:
            writer.add(chunk)
        yield from zip(chunk.names, _decode(chunk), strict=True)


def load_results(
    path: Path | None, header: tuple[object, ...], files: Mapping[str, Stat], parse: Parse
) -> dict[str, Parsed]:
    """What each of `files` parsed to: from the cache at `path` where a file's stat has not
    changed, else from `parse`, given the names of the others. The cache is rewritten when
    anything changed; `path` None means no cache."""
    if path is None:
        return dict(_parse(list(files), parse, None))
    with ExitStack() as stack:
        try:
            old: IO[bytes] | None = stack.enter_context(open(path, "rb"))
        except OSError:
            old = None
        results, kept, changed = _reuse(_Reader(old, header), files)
        missing = [name for name in files if name not in results]
        if not (changed or missing):
            return results
        with _Writer(path, header) as writer:
            for item in kept:
                if isinstance(item, Chunk):
                    writer.add(item)
                elif old is not None:
                    writer.copy(old, *item)
            results.update(_parse(missing, parse, writer))
        return results
