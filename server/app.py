"""The ASGI application: GraphQL (with GraphiQL), health, introspection, plugin routes, and
the lifespan that loads content and runs plugins' start/stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from newsgraph.engine.ingest import Ingested
from newsgraph.engine.sources import Severity
from newsgraph.server.config import Config, load_config
from newsgraph.server.cors import cors_middleware
from newsgraph.server.endpoint import GraphQLEndpoint
from newsgraph.server.graphiql import graphiql_files
from newsgraph.server.introspection import plugins_view, sources_view
from newsgraph.server.plugin_manager import PluginError, Plugins
from newsgraph.server.runtime import Runtime

log = logging.getLogger("newsgraph")


def summary(ingested: Ingested) -> str:
    catalog = ingested.catalog
    warnings = len(ingested.problems) - len(ingested.errors)
    return (
        f"{len(catalog)} articles ({catalog.drafts} drafts hidden), "
        f"{len(catalog.topics())} topics, {len(catalog.providers())} providers; "
        f"{len(ingested.errors)} errors, {warnings} warnings"
    )


def _routes(runtime: Runtime) -> list[BaseRoute]:
    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "articles": len(runtime.catalog)})

    async def sources(request: Request) -> JSONResponse:
        return JSONResponse(sources_view(runtime))

    async def plugins(request: Request) -> JSONResponse:
        return JSONResponse(plugins_view(runtime))

    endpoint = GraphQLEndpoint(runtime)

    async def metrics(request: Request) -> JSONResponse:
        cache = endpoint.cache
        return JSONResponse(
            {
                "graphql_requests_answered_by": endpoint.answered,
                "response_cache": {"hits": cache.hits, "misses": cache.misses},
                "articles": len(runtime.catalog),
            }
        )

    routes: list[BaseRoute] = [
        Route("/graphql", endpoint, methods=["GET", "HEAD", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/-/sources", sources, methods=["GET"]),
        Route("/-/plugins", plugins, methods=["GET"]),
        Route("/-/metrics", metrics, methods=["GET"]),
    ]
    if runtime.config.graphiql:
        routes.append(graphiql_files())
    taken = {getattr(route, "path", None): "newsgraph" for route in routes}
    for plugin, route in runtime.plugins.routes():
        path = getattr(route, "path", None)
        if path in taken:
            raise PluginError(
                f"route {path!r} is added by both {taken[path]} and plugin {plugin!r}"
            )
        taken[path] = f"plugin {plugin!r}"
        routes.append(route)
    return routes


async def _reload_forever(runtime: Runtime, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            ingested = await runtime.load()
        except Exception:  # keep serving the last catalog, and keep trying
            log.exception("reload failed")
            continue
        log.info("newsgraph: reloaded: %s", summary(ingested))


def create_app(config: Config | None = None, plugins: Plugins | None = None) -> Starlette:
    """Build the app; its lifespan loads every source before the first request."""
    runtime = Runtime(config or load_config(), plugins)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for _, context in runtime.plugins.lifespans(app):
                await stack.enter_async_context(context)
            ingested = await runtime.load()
            for problem in ingested.problems:
                level = logging.ERROR if problem.severity is Severity.ERROR else logging.WARNING
                log.log(level, "%s", problem)
            log.info("newsgraph: %s", summary(ingested))
            background = [asyncio.create_task(runtime.poll(name)) for name in runtime.polled()]
            if runtime.config.reload_interval > 0:
                background.append(
                    asyncio.create_task(_reload_forever(runtime, runtime.config.reload_interval))
                )
            try:
                yield
            finally:
                for task in background:
                    task.cancel()
                # Each task ends in CancelledError, which gather returns; a cancellation of
                # this shutdown itself still propagates.
                await asyncio.gather(*background, return_exceptions=True)

    # CORS outermost: even a plugin middleware's refusal reaches a browser readable.
    middleware = [*cors_middleware(runtime.config), *runtime.plugins.middleware()]
    app = Starlette(routes=_routes(runtime), middleware=middleware, lifespan=lifespan)
    app.state.runtime = runtime
    return app
