"""The normalised-articles cache: one source's articles, topics, profiles and problems as the
last load normalised them, with each article's content digest, so that a start whose source
reports the same fingerprint neither reads, parses nor normalises its records again.

One file per source, in the user's cache folder: a magic line, a header (format, the engine's
code digest, the source's type, name and fingerprint), then the pickled values, then the CRC-32
of those bytes. The articles are pickled in chunks, each with its own memo, so writing never
holds a second reference to all of them. The pickle holds only the model's classes and the
values they hold, written as constructor arguments, and is read with an unpickler that can
build nothing else, so a foreign file cannot run code. Any file that does not match or fails
a check is ignored with a log line.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
import zlib
from array import array
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import fields
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

from newsgraph.engine import ingest, model, sources
from newsgraph.engine.ingest import Located, SourceArticles

log = logging.getLogger("newsgraph")
T = TypeVar("T")

MAGIC = b"newsgraph normalised articles\n"
FORMAT = 1
CHUNK = 2000  # articles pickled together
KEPT_FILES = 16
"""Cache files kept in the folder, most recently written first: one per source of the last
few folders loaded, so the folder stays bounded however many folders come and go."""
# A write takes seconds even at 100k articles: a temporary file untouched for an hour is what
# a killed writer left (about 1 KB per article), not another process's cache in the making.
LEFTOVER_SECONDS = 3600

_CLASSES: tuple[type, ...] = (
    model.Article,
    model.Links,
    model.Provider,
    model.Image,
    model.Related,
    model.Topic,
    Located,
    sources.Problem,
)
_ALLOWED: dict[tuple[str, str], type] = {
    **{(cls.__module__, cls.__qualname__): cls for cls in _CLASSES},
    (sources.Severity.__module__, "Severity"): sources.Severity,
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "timezone"): datetime.timezone,
    ("datetime", "timedelta"): datetime.timedelta,
}


def cache_folder() -> Path:
    """`$XDG_CACHE_HOME/newsgraph` (`~/.cache/newsgraph` when unset or not an absolute path,
    which the XDG specification says to ignore). Raises RuntimeError without a home folder."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    home = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return home / "newsgraph"


@cache
def engine_digest() -> str:
    """A digest of the engine's code and the Python version: a normaliser or model that changed
    in any way drops every cache written before, with no version number to forget."""
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(Path(ingest.__file__).resolve().parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _constructor_args(cls: type) -> Callable[[Any], tuple[type, tuple[object, ...]]]:
    # Constructor arguments, not the dataclass's slot state: the slot state is restored one
    # `object.__setattr__` at a time in Python, four times slower to read back.
    get = attrgetter(*(field.name for field in fields(cls)))
    return lambda value: (cls, get(value))


_REDUCERS = {cls: _constructor_args(cls) for cls in _CLASSES}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed here")
        return found


class _Checksummed:
    """A file whose bytes read or written through it are summed with CRC-32 as they pass."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.crc = 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        return self.file.write(data)

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.crc = zlib.crc32(data, self.crc)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.file.readline(size)
        self.crc = zlib.crc32(data, self.crc)
        return data

    def readinto(self, buffer: memoryview) -> int:
        count = self.file.readinto(buffer)  # type: ignore[attr-defined]
        assert isinstance(count, int)
        self.crc = zlib.crc32(buffer[:count], self.crc)
        return count


class Cached(NamedTuple):
    """A source's normalised articles and the content digest of each, in the same order."""

    part: SourceArticles
    digests: Sequence[int]


def _header(type_: str, name: str, fingerprint: str) -> tuple[object, ...]:
    return (FORMAT, engine_digest(), type_, name, fingerprint)


def path_for(type_: str, name: str, identity: str) -> Path:
    """The cache file of one configured source: `identity` tells sources of one type and name
    apart (their options, say), so that each keeps its own file."""
    key = hashlib.sha256(f"{type_}\0{name}\0{identity}".encode()).hexdigest()[:20]
    return cache_folder() / f"{key}.articles"


def write(path: Path, type_: str, name: str, fingerprint: str, cached: Cached) -> None:
    """Replace the cache file at `path` in one step; a failure is logged, never raised."""
    part = cached.part
    digests = array("Q", cached.digests).tobytes()
    summary = (part.taxonomy, part.problems, part.records, part.profiles, digests)
    temporary = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as file:
            file.write(MAGIC)
            pickle.dump(_header(type_, name, fingerprint), file, pickle.HIGHEST_PROTOCOL)
            summed = _Checksummed(file)
            pickler = pickle.Pickler(summed, pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = _REDUCERS
            pickler.dump(summary)
            for start in range(0, len(part.articles), CHUNK):
                # A fresh memo per chunk: one for all of them would hold a reference to every
                # object written, about 1 KB per article at the peak of a cold load.
                pickler.clear_memo()
                pickler.dump(part.articles[start : start + CHUNK])
            file.write(summed.crc.to_bytes(4, "big"))
        os.replace(temporary, path)
    except Exception as error:  # the cache is an optimisation: never fail a load over it
        log.warning("cannot write the articles cache %s (%s); starts stay cold", path, error)
        if temporary:
            with suppress(OSError):
                os.unlink(temporary)
        return
    _sweep(path.parent)


def _sweep(folder: Path) -> None:
    """Keep the `KEPT_FILES` most recently written cache files of the folder, and no
    temporary file of a writer that was killed: one untouched for `LEFTOVER_SECONDS`."""
    stale = time.time() - LEFTOVER_SECONDS
    for leftover in folder.glob(".*.articles.*"):
        with suppress(OSError):
            if leftover.stat().st_mtime < stale:
                leftover.unlink()
    found = []
    for path in folder.glob("*.articles"):
        with suppress(OSError):
            found.append((path.stat().st_mtime, path))
    for _, path in sorted(found, reverse=True)[KEPT_FILES:]:
        with suppress(OSError):
            path.unlink()


def read(path: Path, type_: str, name: str, fingerprint: str) -> Cached | None:
    """The cached articles of the source if the file at `path` was written for this very
    fingerprint and engine, and is whole; else None (logged unless there is no file)."""
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below, whatever happens
    except OSError:
        return None
    with file:
        try:
            if file.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a newsgraph articles cache")
            if _Unpickler(file).load() != _header(type_, name, fingerprint):
                return None  # written for other content or code: the usual miss
            summed = _Checksummed(file)
            cached = _summary(_Unpickler(summed).load())
            articles = cached.part.articles
            while len(articles) < len(cached.digests):
                articles += _checked(_Unpickler(summed).load(), model.Article)
            if file.read() != summed.crc.to_bytes(4, "big"):
                raise ValueError("checksum mismatch")
            if len(articles) != len(cached.digests):
                raise ValueError("one digest per article expected")
            return cached
        except Exception as error:  # a damaged file can fail in many ways; all mean "miss"
            log.warning("ignoring the articles cache %s: %s", path, error or type(error))
            return None


def _checked(items: object, kind: type[T]) -> list[T]:
    if not (isinstance(items, list) and all(isinstance(item, kind) for item in items)):
        raise ValueError(f"unexpected contents where {kind.__name__} values belong")
    return items


def _summary(values: object) -> Cached:
    """What comes before the articles, with an empty list for them to be read into."""
    if not (isinstance(values, tuple) and len(values) == 5):
        raise ValueError("unexpected contents")
    taxonomy, problems, records, profiles, digests = values
    if not (isinstance(records, int) and isinstance(digests, bytes)):
        raise ValueError("unexpected contents")
    unpacked = array("Q")
    unpacked.frombytes(digests)
    part = SourceArticles(
        [],
        _checked(taxonomy, Located),
        _checked(problems, sources.Problem),
        records,
        _checked(profiles, model.Provider),
    )
    return Cached(part, unpacked)
