"""Warm starts: each fingerprinted source's normalised articles, kept from the last start that
had to load them, so the next start with the same content loads none of its records.

The runtime asks this at a source's first load. A hit stands for the source's load, and later
reloads (the watcher's catch-up, polls) skip the source while its fingerprint stays the same; a
miss loads as usual and, when the source has at least `article_cache_min_records` records,
writes the cache once the new catalog is published. Later reloads never write: a live edit
must not cost a rewrite of the whole cache. See docs/ingest.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from newsgraph.engine import article_cache
from newsgraph.engine.article_cache import Cached
from newsgraph.engine.collector import without_collection
from newsgraph.engine.ingest import SourceArticles
from newsgraph.engine.model import Article
from newsgraph.engine.sources import FingerprintedSource, Source
from newsgraph.server.config import SourceConfig

log = logging.getLogger("newsgraph")


class _Pending(NamedTuple):
    """A miss to write once its articles are in a published catalog."""

    entry: SourceConfig
    fingerprint: str
    part: SourceArticles


class WarmStart:
    def __init__(
        self, entries: Sequence[SourceConfig], sources: Mapping[str, Source], min_records: int
    ) -> None:
        self.entries = {entry.name: entry for entry in entries}
        self.sources = sources
        self.min_records = min_records
        self.paths: dict[str, Path] = {}
        for entry in entries:
            if isinstance(sources[entry.name], FingerprintedSource):
                try:
                    # The working folder too: options may name relative paths, and two
                    # checkouts serving `content/` must not take turns rewriting one file.
                    options = json.dumps(entry.options, sort_keys=True, default=str)
                    self.paths[entry.name] = article_cache.path_for(
                        entry.type, entry.name, f"{os.getcwd()}\0{options}"
                    )
                except RuntimeError:  # no home folder to keep a cache in
                    continue
        # By source: the fingerprint of a miss, to write it under; of a hit, to tell a change.
        self._fingerprints: dict[str, str] = {}
        self._served: dict[str, str] = {}
        self._pending: dict[str, _Pending] = {}

    async def _fingerprint(self, name: str) -> str | None:
        source = self.sources[name]
        if name not in self.paths or not isinstance(source, FingerprintedSource):
            return None
        try:
            # A stat of every file makes a tuple each: no use for the cyclic collector to chase.
            return await asyncio.to_thread(without_collection, source.fingerprint)
        except Exception:  # the cache is an optimisation: load as usual
            log.exception("source %r could not tell its fingerprint; loading it", name)
            return None

    async def cached(self, name: str) -> Cached | None:
        """The source's articles as an earlier process normalised the very same content, if
        its cache holds them. Remembers the fingerprint, for `loaded` to write on a miss."""
        fingerprint = await self._fingerprint(name)
        if fingerprint is None:
            return None
        entry = self.entries[name]
        cached = await asyncio.to_thread(
            without_collection, article_cache.read, self.paths[name], entry.type, name, fingerprint
        )
        if cached is None:
            self._fingerprints[name] = fingerprint
        else:
            self._served[name] = fingerprint
        return cached

    async def unchanged(self, name: str) -> bool:
        """Whether a source served from the cache still has the content it was cached for:
        then a reload (the watcher's first catch-up, say) need not read it at all. Once it
        has changed, the source is loaded as usual from then on."""
        served = self._served.pop(name, None)
        if served is None or await self._fingerprint(name) != served:
            return False
        self._served[name] = served
        return True

    def loaded(self, name: str, part: SourceArticles) -> None:
        """A source's first load missed the cache and gave `part`: write it with the next
        catalog, if the source is large enough to be worth it."""
        fingerprint = self._fingerprints.pop(name, None)
        if fingerprint is not None and part.records >= self.min_records:
            self._pending[name] = _Pending(self.entries[name], fingerprint, part)

    async def write(self, digests: Callable[[list[Article]], list[int]]) -> None:
        """Write every pending cache, with each article's content digest."""
        pending, self._pending = self._pending, {}
        for name, item in pending.items():
            cached = Cached(item.part, await asyncio.to_thread(digests, item.part.articles))
            await asyncio.to_thread(
                without_collection,
                article_cache.write,
                self.paths[name],
                item.entry.type,
                name,
                item.fingerprint,
                cached,
            )
