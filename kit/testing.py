"""Helpers for testing newsgraph plugins (and newsgraph itself) through the real parts.

from newsgraph.testing import make_app, client, execute, run_source

app = make_app(("my_plugin", my_plugin), sources=[...])
async with client(app) as http:         # the lifespan runs: sources load
    response = await http.post("/graphql", json={"query": "{ articles { totalCount } }"})
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
from starlette.applications import Starlette

from newsgraph.engine.sources import SourceBatch
from newsgraph.schema.extend import SchemaConflict
from newsgraph.server.app import create_app
from newsgraph.server.config import Config, ConfigError, SourceConfig
from newsgraph.server.plugin_manager import PluginError, load_plugins
from newsgraph.server.runtime import Runtime


def make_app(
    *plugins: tuple[str, object],
    sources: Sequence[SourceConfig] = (),
    settings: Mapping[str, Mapping[str, object]] | None = None,
    installed: bool = False,
    **server: Any,
) -> Starlette:
    """An app with the builtins, the given (name, plugin) pairs, and the given sources.

    Installed (entry-point) plugins are left out unless `installed` is true, so a test sees
    only what it names. `server` takes `Config` fields such as `source_timeout`; watching
    sources for changes is off unless `watch=True` is given.
    """
    server.setdefault("watch", False)
    plugin_settings = {name: dict(block) for name, block in (settings or {}).items()}
    config = Config(sources=tuple(sources), plugins=plugin_settings, **server)
    registry = load_plugins(None if installed else frozenset(), extra=plugins)
    # A test names its plugins: settings for any other are a mistake in the test, an error,
    # not the warning a plugin left out by NEWSGRAPH_LOAD_PLUGINS gets.
    return create_app(config, replace(registry, excluded=frozenset()))


@asynccontextmanager
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, with its lifespan (start-up and shutdown) run around it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://newsgraph") as http:
            yield http


async def execute(
    app: Starlette, query: str, variables: Mapping[str, object] | None = None
) -> dict[str, Any]:
    """Run one GraphQL query over HTTP against a started app; returns the JSON response."""
    async with client(app) as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables})
    result: dict[str, Any] = response.json()
    return result


async def run_source(
    type_name: str,
    options: Mapping[str, object],
    *plugins: tuple[str, object],
    name: str = "test",
) -> SourceBatch:
    """Make one source of a registered type and load it once; returns its raw records."""
    config = Config(sources=(SourceConfig(type_name, name, dict(options)),))
    runtime = Runtime(config, load_plugins(frozenset(), extra=plugins))
    return await runtime.sources[name].load()


__all__ = [
    "ConfigError",
    "PluginError",
    "SchemaConflict",
    "SourceConfig",
    "client",
    "execute",
    "make_app",
    "run_source",
]
