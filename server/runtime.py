"""The running state of one app: its plugins, its source instances and the current catalog.

Each source loads on its own, under a deadline. One that raises or hangs keeps its last good
batch, and its state says why; the catalog is rebuilt from every source's last good batch and
swapped in as one reference. A source that hands back the same batch object as before changed
nothing, so the catalog is not rebuilt for it. Sources that ask for it (`PolledSource`) are
reloaded on their own schedule by `poll`; those that watch (`WatchedSource`) are reloaded by
`watch` whenever they report a change.

Each catalog that changes content becomes a new `Snapshot` (version and content hash) on the
runtime's `feed`, which subscriptions and response headers follow.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.collector import without_collection
from newsgraph.engine.content_hash import ContentHasher
from newsgraph.engine.counts import per_source, served
from newsgraph.engine.ingest import Ingested, SourceArticles, merge, normalise_batch
from newsgraph.engine.snapshot import Snapshot, SnapshotFeed
from newsgraph.engine.sources import (
    PolledSource,
    Problem,
    Source,
    SourceBatch,
    SourceUnavailable,
    WatchedSource,
)
from newsgraph.server.config import Config, ConfigError, SourceConfig
from newsgraph.server.continuity import shown, shrink_reason
from newsgraph.server.enrich import enrich
from newsgraph.server.plugin_manager import Plugins, RegisteredSourceType, load_plugins
from newsgraph.server.warm_start import WarmStart

log = logging.getLogger("newsgraph")
FAILED = "source failed: "
DEGRADED = "source degraded: "
# Seconds a reload waits for all its sources before publishing those that are done.
RELOAD_GRACE = 2.0
_PREFIXES = {"failing": FAILED, "degraded": DEGRADED}


@dataclass(frozen=True, slots=True)
class SourceState:
    """What `/-/sources` and `newsgraph sources` show for one source."""

    name: str
    type: str
    status: str = "pending"  # pending | ok | degraded (kept its last good articles) | failing
    last_error: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    next_poll: datetime | None = None
    details: Mapping[str, object] = field(default_factory=dict)
    # While degraded: the refused load's first problems, each with its file or item and reason
    # (the kept load's problems are listed apart, under `problems`).
    refused_load_problems: tuple[str, ...] = ()


def make_source(
    types: Mapping[str, RegisteredSourceType], index: int, entry: SourceConfig
) -> Source:
    where = f"sources[{index}] {entry.name!r}"
    registered = types.get(entry.type)
    if registered is None:
        known = ", ".join(sorted(types)) or "none"
        raise ConfigError(f"{where}: unknown source type {entry.type!r} (known: {known})")
    try:
        return registered.factory(entry.name, entry.options)
    except ValueError as error:
        raise ConfigError(f"{where} ({entry.type}): options.{error}") from None
    except Exception as error:
        # A bug in the source class, not a bad option: the traceback goes to the log once,
        # and start-up stops with a message that names the source and its plugin.
        made_by = f"{entry.type}, from plugin {registered.plugin!r}"
        log.error("%s (%s) could not be made", where, made_by, exc_info=error)
        raise ConfigError(f"{where} ({made_by}) could not be made: {error!r}") from None


class Runtime:
    def __init__(self, config: Config, plugins: Plugins | None = None) -> None:
        self.config = config
        self.plugins = plugins or load_plugins(
            config.load_plugins, trace=log.info if config.trace_hooks else None
        )
        self.plugins.configure(config.plugins)
        types = self.plugins.source_types()
        self.made_by = {e.name: types[e.type].plugin for e in config.sources if e.type in types}
        self.sources = {
            entry.name: make_source(types, index, entry)
            for index, entry in enumerate(config.sources)
        }
        self.warm = WarmStart(config.sources, self.sources, config.article_cache_min_records)
        self.states = {
            e.name: SourceState(e.name, e.type, details=_details(self.sources[e.name]))
            for e in config.sources
        }
        # Each source's last good batch, normalised; the raw batch itself is only watched,
        # to tell "the same batch again" (nothing changed) from a new one.
        self._normalised: dict[str, SourceArticles] = {}
        self._last_batch: dict[str, weakref.ref[SourceBatch]] = {}
        self._loading = {name: asyncio.Lock() for name in self.sources}
        self._intervals = {
            name: source.poll_interval
            for name, source in self.sources.items()
            if isinstance(source, PolledSource) and source.poll_interval > 0
        }
        self._watched = [
            name
            for name, source in self.sources.items()
            if config.watch and isinstance(source, WatchedSource)
        ]
        # Every new batch bumps the generation; the catalog is rebuilt only when it moved.
        self._generation = 0
        self._built_generation = 0
        self._built = Ingested(Catalog(()), (), 0)
        self._problems: dict[str, list[Problem]] = {}
        # Each source's (records read, articles) and (visible, drafts) in the built catalog.
        self._read: dict[str, tuple[int, int]] = {}
        self._served: dict[str, tuple[int, int]] = {}
        self._rebuilding = asyncio.Lock()
        self.ingested = self._built
        self.loaded = False  # True once the first load has finished: /readyz waits for it
        # True once the server has been told to stop: /readyz fails while it drains, so load
        # balancers stop sending before its port closes.
        self.stopping = False
        self.load_count = 0
        self.load_seconds = 0.0
        self._content_hash = ContentHasher()
        self.feed = SnapshotFeed(
            Snapshot(0, self._content_hash((), ()), datetime.now(UTC), self._built.catalog)
        )

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot being served: its catalog, version and content hash."""
        return self.feed.current

    @property
    def snapshot_version(self) -> int:
        """Goes up by one with every change of content."""
        return self.feed.current.version

    @property
    def catalog(self) -> Catalog:
        return self.feed.current.catalog

    def watched(self) -> list[str]:
        """The sources that report their own changes, when watching is on."""
        return list(self._watched)

    async def watch(self, name: str) -> None:
        """Reload one watched source after each batch of changes it reports, until cancelled
        or until the source stops watching."""
        source = self.sources[name]
        assert isinstance(source, WatchedSource)
        try:
            async for changed in source.changes():
                if changed:
                    log.info("source %r changed: %s", name, _listed(changed))
                try:
                    await self.load([name])
                except Exception:  # keep serving the last catalog, and keep watching
                    log.exception("reloading source %r failed", name)
        except Exception:
            log.exception("watching source %r failed; it is reloaded only when polled", name)

    def problems_of(self, name: str) -> list[Problem]:
        """What was wrong with one source: its records in the current catalog, and its own
        failure if it is failing."""
        return self._problems.get(name, [])

    def polled(self) -> dict[str, float]:
        """Each source that asks to be reloaded on its own, with its interval in seconds."""
        return dict(self._intervals)

    async def poll(self, name: str) -> None:
        """Reload one source whenever its `next_poll` comes, until cancelled.

        Every load of the source, by this loop or by a global reload, sets the next one.
        """
        while True:
            due = self.states[name].next_poll
            wait = 0.0 if due is None else (due - datetime.now(UTC)).total_seconds()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            try:
                await self.load([name])
            except Exception:  # keep serving the last catalog, and keep polling
                log.exception("polling source %r failed", name)

    async def _load_one(self, name: str) -> None:
        async with self._loading[name]:
            started = datetime.now(UTC)
            first = name not in self._normalised
            try:
                cached = await self._cached(name) if first else None
                if cached is not None:
                    fresh: tuple[SourceArticles, SourceBatch | None] | None = (cached, None)
                elif not first and await asyncio.wait_for(
                    self.warm.unchanged(name), self.config.source_timeout
                ):
                    fresh = None
                else:
                    fresh = await self._load_batch(name)
            except TimeoutError:
                error = f"timed out after {self.config.source_timeout:g} s"
                self._log_failure(name, error, None)
            except Exception as failure:  # a failing source must not stop the others
                error = f"{type(failure).__name__}: {failure}"
                self._log_failure(name, error, failure)
            else:
                if fresh is not None:
                    normalised, batch = fresh
                    problems = shown(normalised.problems)
                    for line in problems:
                        log.warning("source %r: %s", name, line)
                    previous = self._normalised.get(name)
                    kept = 0 if previous is None else len(previous.articles)
                    reason = shrink_reason(kept, len(normalised.articles), self.config.max_shrink)
                    if reason is not None:
                        log.warning("source %r degraded: %s", name, reason)
                        self.states[name] = replace(
                            self._attempted(name, started),
                            status="degraded",
                            last_error=reason,
                            refused_load_problems=problems,
                        )
                        return
                    self._normalised[name] = normalised
                    if batch is not None:
                        self._last_batch[name] = weakref.ref(batch)
                    self._generation += 1
                    if first and cached is None:
                        self.warm.loaded(name, normalised)
                if self.states[name].status == "failing":
                    log.info("source %r loads again", name)
                self.states[name] = replace(
                    self._attempted(name, started),
                    status="ok",
                    last_error=None,
                    last_success=started,
                    refused_load_problems=(),
                )
                return
            self.states[name] = replace(
                self._attempted(name, started), status="failing", last_error=error
            )

    async def _cached(self, name: str) -> SourceArticles | None:
        """The source's articles from the warm-start cache, with their digests noted."""
        cached = await asyncio.wait_for(self.warm.cached(name), self.config.source_timeout)
        if cached is None:
            return None
        await asyncio.to_thread(
            without_collection, self._content_hash.remember, cached.part.articles, cached.digests
        )
        log.info(
            "source %r: %d articles from the warm-start cache", name, len(cached.part.articles)
        )
        return cached.part

    async def _load_batch(self, name: str) -> tuple[SourceArticles, SourceBatch] | None:
        """The source's new batch and its records normalised; None if it handed back the
        same batch as the last accepted load."""
        batch = await asyncio.wait_for(self.sources[name].load(), self.config.source_timeout)
        last = self._last_batch.get(name)
        if last is not None and last() is batch:
            return None
        # A watched source hands over unchanged records again: those are not normalised again.
        earlier = self._normalised.get(name)
        remember = None
        if name in self._watched:
            remember = {} if earlier is None else earlier.normalised
        normalised = await asyncio.to_thread(
            without_collection, normalise_batch, name, batch, remember
        )
        return normalised, batch

    def _log_failure(self, name: str, error: str, failure: BaseException | None) -> None:
        """Log a source's failure once; the same failure again is only a debug line, so a
        source that fails at every poll does not flood the log. Only a failure that looks like
        a bug in the source (not `SourceUnavailable` or `OSError`) carries its traceback."""
        state = self.states[name]
        where = f"source {name!r} ({state.type}, from plugin {self.made_by.get(name)!r})"
        if state.status == "failing" and state.last_error == error:
            log.debug("%s still fails: %s", where, error)
        else:
            expected = isinstance(failure, SourceUnavailable | OSError)
            log.error("%s failed: %s", where, error, exc_info=None if expected else failure)

    def _attempted(self, name: str, started: datetime) -> SourceState:
        interval = self._intervals.get(name)
        return replace(
            self.states[name],
            last_attempt=started,
            next_poll=None if interval is None else datetime.now(UTC) + timedelta(seconds=interval),
            details=_details(self.sources[name]),
        )

    async def _build(self) -> Ingested:
        """The catalog of every source's last good batch, with the hash of its content."""
        parts = list(self._normalised.items())
        normalised = await asyncio.to_thread(without_collection, merge, parts)
        articles, problems = await enrich(
            normalised.articles, self.plugins.enrichers(), self.config.enrich_timeout
        )
        catalog = await asyncio.to_thread(
            without_collection, Catalog, articles, normalised.taxonomy
        )
        hash_ = await asyncio.to_thread(self._content_hash, articles, normalised.taxonomy)
        self._read = {name: (part.records, len(part.articles)) for name, part in parts}
        self._served = served(articles)
        found = (*normalised.problems, *problems)
        return Ingested(catalog, found, normalised.records, content_hash=hash_)

    async def load(self, names: list[str] | None = None) -> Ingested:
        """Reload the named sources (all by default) and swap in the rebuilt catalog.

        The catalog is rebuilt only when some source produced a new batch, and becomes a new
        snapshot only when its content differs from the one being served.
        """
        started = time.perf_counter()
        loads = {asyncio.create_task(self._load_one(name)) for name in names or self.sources}
        # Sources that finish within the grace period make one rebuild; a slow or hung one
        # does not hold back the others' news: after the grace, each finished load is
        # published at once.
        done: set[asyncio.Task[None]] = set()
        if loads:
            done, loads = await asyncio.wait(loads, timeout=RELOAD_GRACE)
        while loads:
            await self._publish()
            done, loads = await asyncio.wait(loads, return_when=asyncio.FIRST_COMPLETED)
        for finished in done:
            finished.result()
        await self._publish()
        self.load_count += 1
        self.load_seconds += time.perf_counter() - started
        return self.ingested

    async def _publish(self) -> None:
        """Rebuild the catalog if any source produced a new batch, and swap it in."""
        async with self._rebuilding:
            if self._built_generation != self._generation:
                generation = self._generation
                self._built = await self._build()
                self._built_generation = generation
            current = self.feed.current
            if self._built.content_hash != current.content_hash:
                self.feed.publish(
                    Snapshot(
                        current.version + 1,
                        self._built.content_hash,
                        datetime.now(UTC),
                        self._built.catalog,
                    )
                )
            failing = [
                Problem(name, f"{_PREFIXES[state.status]}{state.last_error}", source=name)
                for name, state in self.states.items()
                if state.status in _PREFIXES
            ]
            built = self._built
            problems = (*failing, *built.problems)
            read = {name: self._read.get(name, (0, 0)) for name in self.sources}
            counts = per_source(read, self._served, problems)
            self._problems = _by_source(problems)
            self.ingested = Ingested(
                self.catalog, problems, built.records, counts, built.content_hash
            )
            self.loaded = True
            await self.warm.write(self._content_hash.digests)

    def logged(self) -> set[Problem]:
        """The problems logged as each load found them: a source failing or degraded (with its
        traceback), and a source's own (the first few by name, then how many more)."""
        own = {problem for part in self._normalised.values() for problem in part.problems}
        failed = (p for p in self.ingested.problems if p.message.startswith((FAILED, DEGRADED)))
        return own.union(failed)


def _listed(origins: Sequence[str], shown: int = 3) -> str:
    more = len(origins) - shown
    return ", ".join(origins[:shown]) + (f" and {more} more" if more > 0 else "")


def _by_source(problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.source, []).append(problem)
    return grouped


def _details(source: Source) -> dict[str, object]:
    return dict(source.details()) if isinstance(source, PolledSource) else {}
