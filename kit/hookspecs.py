"""The hooks a newsgraph plugin may implement (pluggy project name `newsgraph`).

Each hook is documented with its exact signature in docs/plugins/hooks.md (a test keeps the
two equal). Hooks evolve only by gaining arguments, which older implementations may ignore;
each change raises `VERSION` and is listed under "Changes" in the hook reference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager

import pluggy
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from newsgraph.engine.model import Article, Links, Related
from newsgraph.engine.sources import RegisterSourceType
from newsgraph.engine.urls import UrlPreference
from newsgraph.schema.extend import SchemaAddition

PROJECT = "newsgraph"
VERSION = 2  # 2: select_url receives the article
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def configure_plugin(settings: Mapping[str, object]) -> None:
    """Receive this plugin's own `plugins:` block; raise ValueError("key: reason") to refuse it."""


@hookspec
def register_source_types(register: RegisterSourceType) -> None:
    """Contribute source classes: call `register(type_name, cls)` once per source type."""


@hookspec
def enrich_article(article: Article) -> Mapping[str, object] | None:
    """Return a patch of `Article` fields to replace, or None; a failing enricher changes none."""


@hookspec(firstresult=True)
def select_url(links: Links, preference: UrlPreference, article: Article | Related) -> str | None:
    """Choose the URL served for a preference, or None to leave it to the next plugin."""


@hookspec
def extend_schema() -> SchemaAddition | None:
    """Add root query fields, types, `Article` fields or Strawberry extensions to the schema."""


@hookspec
def register_routes() -> Sequence[BaseRoute] | None:
    """Add Starlette routes to the app; a path that is already taken is a start-up error."""


@hookspec
def register_middleware() -> Sequence[Middleware] | None:
    """Add Starlette middleware, wrapped around the whole app in plugin order."""


@hookspec
def lifespan(app: Starlette) -> AbstractAsyncContextManager[None] | None:
    """Return an async context manager entered at start-up and exited at shutdown."""
