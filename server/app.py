"""The ASGI application: GraphQL (with GraphiQL), health, introspection, plugin routes, and
the lifespan that loads content and runs plugins' start/stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from schema.build import build_schema
from schema.context import Context
from server.config import Config, load_config
from server.ingest import Ingested
from server.introspection import plugins_view, sources_view
from server.plugin_manager import PluginError, Plugins
from server.runtime import Runtime

log = logging.getLogger("newsgraph")


def summary(ingested: Ingested) -> str:
    catalog = ingested.catalog
    warnings = len(ingested.problems) - len(ingested.errors)
    return (
        f"{len(catalog)} articles ({catalog.drafts} drafts hidden), "
        f"{len(catalog.topics())} topics, {len(catalog.providers())} providers; "
        f"{len(ingested.errors)} errors, {warnings} warnings"
    )


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's GraphQL-over-HTTP handler, reading the runtime's current catalog."""

    def __init__(self, runtime: Runtime) -> None:
        schema = build_schema(runtime.config.limits, runtime.plugins.schema_additions())
        super().__init__(schema, graphql_ide="graphiql")
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as error:
            # Malformed requests still get a GraphQL-shaped body, not plain text.
            body = {"errors": [{"message": error.reason}]}
            response = JSONResponse(body, status_code=error.status_code)
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        # One snapshot per request: a reload mid-request cannot mix two catalogs.
        return Context(catalog=self.runtime.catalog, select_url=self.runtime.plugins.select_url)


def _routes(runtime: Runtime) -> list[BaseRoute]:
    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "articles": len(runtime.catalog)})

    async def sources(request: Request) -> JSONResponse:
        return JSONResponse(sources_view(runtime))

    async def plugins(request: Request) -> JSONResponse:
        return JSONResponse(plugins_view(runtime))

    routes: list[BaseRoute] = [
        Route("/graphql", GraphQLEndpoint(runtime), methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/-/sources", sources, methods=["GET"]),
        Route("/-/plugins", plugins, methods=["GET"]),
    ]
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
                log.warning("%s", problem)
            log.info("newsgraph: %s", summary(ingested))
            reloading = None
            if runtime.config.reload_interval > 0:
                reloading = asyncio.create_task(
                    _reload_forever(runtime, runtime.config.reload_interval)
                )
            try:
                yield
            finally:
                if reloading is not None:
                    reloading.cancel()
                    with suppress(asyncio.CancelledError):
                        await reloading

    app = Starlette(
        routes=_routes(runtime), middleware=runtime.plugins.middleware(), lifespan=lifespan
    )
    app.state.runtime = runtime
    return app
