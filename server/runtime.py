"""The running state of one app: its plugins, its source instances and the current catalog.

Each source loads on its own, under a deadline. One that raises or hangs keeps its last good
batch, and its state says why; the catalog is rebuilt from every source's last good batch and
swapped in as one reference.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from server.catalog import Catalog
from server.config import Config, ConfigError, SourceConfig
from server.enrich import enrich
from server.ingest import Ingested, normalise_batches
from server.plugin_manager import Plugins, load_plugins
from server.sources import Problem, Source, SourceBatch, SourceType

log = logging.getLogger("newsgraph")


@dataclass(frozen=True, slots=True)
class SourceState:
    """What `/-/sources` and `newsgraph sources` show for one source."""

    name: str
    type: str
    status: str = "pending"  # pending | ok | failing
    last_error: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    article_count: int = 0
    problem_count: int = 0


def make_source(types: dict[str, SourceType], index: int, entry: SourceConfig) -> Source:
    where = f"sources[{index}] {entry.name!r}"
    source_type = types.get(entry.type)
    if source_type is None:
        known = ", ".join(sorted(types)) or "none"
        raise ConfigError(f"{where}: unknown source type {entry.type!r} (known: {known})")
    try:
        return source_type(entry.name, entry.options)
    except ValueError as error:
        raise ConfigError(f"{where} ({entry.type}): options.{error}") from None


class Runtime:
    def __init__(self, config: Config, plugins: Plugins | None = None) -> None:
        self.config = config
        self.plugins = plugins or load_plugins(
            config.load_plugins, trace=log.info if config.trace_hooks else None
        )
        self.plugins.configure(config.plugins)
        types = self.plugins.source_types()
        names = [entry.name for entry in config.sources]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError(f"sources: the name {name!r} is used twice; names must be unique")
        self.sources = {
            entry.name: make_source(types, index, entry)
            for index, entry in enumerate(config.sources)
        }
        self.states = {e.name: SourceState(e.name, e.type) for e in config.sources}
        self._batches: dict[str, SourceBatch] = {}
        self.ingested = Ingested(Catalog(()), (), 0)

    @property
    def catalog(self) -> Catalog:
        return self.ingested.catalog

    async def _load_one(self, name: str) -> None:
        started = datetime.now(UTC)
        state = replace(self.states[name], last_attempt=started)
        try:
            batch = await asyncio.wait_for(self.sources[name].load(), self.config.source_timeout)
        except TimeoutError:
            error = f"timed out after {self.config.source_timeout:g} s"
        except Exception as failure:  # a failing source must not stop the others
            log.warning("source %r failed", name, exc_info=True)
            error = f"{type(failure).__name__}: {failure}"
        else:
            self._batches[name] = batch
            self.states[name] = replace(
                state,
                status="ok",
                last_error=None,
                last_success=started,
                article_count=len(batch.articles),
                problem_count=len(batch.problems),
            )
            return
        self.states[name] = replace(state, status="failing", last_error=error)

    async def load(self, names: list[str] | None = None) -> Ingested:
        """Reload the named sources (all by default) and swap in the rebuilt catalog."""
        await asyncio.gather(*(self._load_one(name) for name in names or self.sources))
        batches = list(self._batches.items())
        normalised = await asyncio.to_thread(normalise_batches, batches)
        articles, problems = await enrich(
            normalised.articles, self.plugins.enrichers(), self.config.enrich_timeout
        )
        catalog = await asyncio.to_thread(Catalog, articles, normalised.taxonomy)
        failing = [
            Problem(state.name, f"source failed: {state.last_error}", source=state.name)
            for state in self.states.values()
            if state.status == "failing"
        ]
        self.ingested = Ingested(
            catalog, (*failing, *normalised.problems, *problems), normalised.records
        )
        return self.ingested
