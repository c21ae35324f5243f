"""The contract between sources and the rest of newsgraph: raw records in, problems reported.

A source knows nothing of GraphQL or of the catalog. It hands over raw mappings, each with
where it came from, and reports what it could not read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from newsgraph.engine.base_url import BaseUrl


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a source or the normaliser could not accept, located as precisely as known."""

    origin: str
    message: str
    line: int | None = None
    field: str | None = None
    severity: Severity = Severity.ERROR
    source: str = ""

    def __str__(self) -> str:
        where = self.origin if self.line is None else f"{self.origin}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {self.severity.value}: {what}"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One article or taxonomy entry as the source found it.

    `field_lines` maps field paths (`title`, `images`, `images[0]`, `images[0].url`) to their
    line in `origin`, when the source knows them, so that a bad field can be reported where it
    stands. `base_url` is what relative URLs in `data` resolve against, if anything. `keys`
    maps newsgraph's top-level field names to the source's own keys, for a source that
    renames them (`{"title": "headline"}`), so that a problem names the key the author wrote.
    `syntax` names the notation the record was written in when its rules explain a mistake:
    `"yaml"`, or None.
    """

    data: Mapping[str, object]
    origin: str
    line: int | None = None
    field_lines: Mapping[str, int] = field(default_factory=dict)
    base_url: BaseUrl | None = None
    keys: Mapping[str, str] = field(default_factory=lambda: _SAME_KEYS)
    syntax: str | None = None

    def own_key(self, field_path: str) -> str:
        """A field path with its top-level key as the source spells it."""
        top = field_path.split(".", 1)[0].split("[", 1)[0]
        return self.keys.get(top, top) + field_path[len(top) :]

    def line_of(self, field_path: str) -> int | None:
        """The line of a field path, else of the nearest enclosing one, else of the record."""
        path = field_path
        while path:
            line = self.field_lines.get(path)
            if line is not None:
                return line
            path = path[: max(path.rfind("."), path.rfind("["), 0)]
        return self.line


_SAME_KEYS: Mapping[str, str] = MappingProxyType({})  # shared: most sources rename nothing


@dataclass(slots=True, weakref_slot=True)
class SourceBatch:
    """What one load of a source produced."""

    articles: list[RawRecord] = field(default_factory=list)
    topics: list[RawRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Organisation profiles (`{name, domain, images}`): provider data for articles whose
    # provider, of that domain, has no images of its own.
    organizations: list[RawRecord] = field(default_factory=list)


class SourceUnavailable(Exception):
    """Raised by `Source.load` when the source cannot be read for a reason outside the code:
    a folder that is gone, a feed that does not answer, a document that cannot be read.

    newsgraph keeps the source's last good articles, shows the message in `/-/sources` and
    logs it as one line. Any other exception is taken for a bug in the source and is logged
    once with its traceback. `OSError` is treated like this class.
    """


class Source(Protocol):
    """A configured source instance; newsgraph calls `load` to get its current records.

    newsgraph never runs two loads of one source at once. Returning the very batch object of
    the previous load says "nothing changed": newsgraph then keeps its catalog as it is.
    """

    async def load(self) -> SourceBatch:
        """Read everything the source holds now."""
        ...


@runtime_checkable
class PolledSource(Source, Protocol):
    """A source that asks to be reloaded on its own schedule and reports how it reads.

    `poll_interval` is in seconds; 0 means "only at start-up" (and at global reloads).
    `details` is shown under the source in `/-/sources`; it must be JSON-safe (text, numbers,
    booleans, None, lists and mappings of them) and must never hold secrets.
    """

    poll_interval: float

    def details(self) -> Mapping[str, object]:
        """What the source knows about its last reads: validators, HTTP status, pages, ..."""
        ...


@runtime_checkable
class WatchedSource(Source, Protocol):
    """A source that tells newsgraph when to reload it, instead of (or as well as) polling.

    `changes` yields once per batch of changes (the source debounces bursts itself), with the
    origins that changed, for the log; newsgraph then calls `load`, which should read only what
    changed. The iterator runs until newsgraph cancels it at shutdown, or ends when the source
    can no longer watch. newsgraph iterates it only while watching is on (`server.watch`).
    """

    def changes(self) -> AsyncIterator[Sequence[str]]:
        """Wait for changes; yield the origins of each batch of them."""
        ...


@runtime_checkable
class FingerprintedSource(Source, Protocol):
    """A source that can tell, without loading, whether it holds what it held before.

    `fingerprint` returns a text that changes whenever `load` could return different records
    or problems (for a folder: every file's path and stat, and every option that changes what
    is read), or None when it cannot tell. When a start finds the articles normalised under
    the same fingerprint by an earlier process, it serves those and skips `load` until the
    next reload.
    """

    def fingerprint(self) -> str | None:
        """What `load` would read now, as one text; None if unknown."""
        ...


class SourceType(Protocol):
    """A source class: newsgraph makes one instance per `sources:` entry of the configuration.

    It raises `ValueError("<option>: <reason>")` for options it cannot accept.
    """

    def __call__(self, name: str, options: Mapping[str, object]) -> Source: ...


RegisterSourceType = Callable[[str, SourceType], None]
