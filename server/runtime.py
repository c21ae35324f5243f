"""The running state of one app: its plugins, its source instances and the current catalog."""

from __future__ import annotations

import asyncio
import logging

import pluggy

from server.catalog import Catalog
from server.config import Config, SourceConfig
from server.ingest import Ingested, build_catalog
from server.plugin_manager import plugin_manager, source_types
from server.sources import Problem, Source, SourceBatch, SourceType

log = logging.getLogger("newsgraph")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the entry and key."""


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


async def _load(name: str, source: Source) -> tuple[str, SourceBatch]:
    try:
        return name, await source.load()
    except Exception as error:  # a failing source must not stop the others
        log.exception("source %r failed", name)
        return name, SourceBatch(problems=[Problem(name, f"source failed: {error!r}", source=name)])


class Runtime:
    def __init__(self, config: Config, manager: pluggy.PluginManager | None = None) -> None:
        self.config = config
        self.manager = manager or plugin_manager()
        types = source_types(self.manager)
        names = [entry.name for entry in config.sources]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError(f"sources: the name {name!r} is used twice; names must be unique")
        self.sources = {
            entry.name: make_source(types, index, entry)
            for index, entry in enumerate(config.sources)
        }
        self.ingested = Ingested(Catalog(()), (), 0)

    @property
    def catalog(self) -> Catalog:
        return self.ingested.catalog

    async def load(self) -> Ingested:
        """Load every source at once and swap in the catalog built from them."""
        batches = await asyncio.gather(*(_load(n, s) for n, s in self.sources.items()))
        self.ingested = build_catalog(list(batches))
        return self.ingested
