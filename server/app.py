"""The ASGI application: GraphQL (with GraphiQL; subscriptions over WebSocket and SSE), health,
introspection, plugin routes, and the lifespan that loads content, watches and polls sources,
and runs plugins' start/stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp
from strawberry.schema.base import BaseSchema

from newsgraph.engine.ingest import Ingested
from newsgraph.engine.sources import Severity
from newsgraph.schema.scalars import format_date_time
from newsgraph.server.admin import admin_routes
from newsgraph.server.body_first import BodyFirst
from newsgraph.server.budget import Budget, RequestBudget
from newsgraph.server.config import Config, load_config
from newsgraph.server.cors import cors_middleware, cors_options
from newsgraph.server.endpoint import GraphQLEndpoint
from newsgraph.server.entrance import GraphQLEntrance, NewsgraphApp
from newsgraph.server.graphiql import graphiql_files
from newsgraph.server.introspection import health_view
from newsgraph.server.limits import RequestLimits, RequestSizes
from newsgraph.server.metrics import Metrics, RequestMetrics
from newsgraph.server.persisted_queries import AutomaticPersistedQueries
from newsgraph.server.plugin_manager import PluginError, Plugins
from newsgraph.server.readiness import not_ready
from newsgraph.server.runtime import Runtime
from newsgraph.server.site_routes import routes as static_routes
from newsgraph.server.sse import SSEEndpoint
from newsgraph.server.starlette_refusals import HANDLERS
from newsgraph.server.subscribers import Subscribers
from newsgraph.server.websocket import WebSocketEndpoint

log = logging.getLogger("newsgraph")


def summary(ingested: Ingested) -> str:
    """One line of counts, in the words of docs/user-guide.md#counts."""
    counts, catalog = ingested.total, ingested.catalog
    warnings = len(ingested.problems) - len(ingested.errors)
    return (
        f"{counts.records_read} records read, {counts.articles} articles: {counts.visible} "
        f"visible, {counts.drafts} drafts, {counts.duplicates} duplicates; "
        f"{len(catalog.topics())} topics, {len(catalog.providers())} providers; "
        f"{counts.problems} problems ({len(ingested.errors)} errors, {warnings} warnings)"
    )


def _bounded(endpoint: GraphQLEndpoint, config: Config) -> RequestBudget:
    """The endpoint inside its per-request budget (admission control is the endpoint's own:
    only work takes a place)."""
    return RequestBudget(endpoint, Budget(config.request_timeout, config.max_response_bytes))


def _routes(runtime: Runtime, graphql: ASGIApp, schema: BaseSchema) -> list[BaseRoute]:
    async def healthz(request: Request) -> JSONResponse:
        snapshot = runtime.snapshot
        body = {
            "status": "ok",
            "snapshot": snapshot.content_hash,
            "version": snapshot.version,
            "loadedAt": format_date_time(snapshot.loaded_at),
            "counts": health_view(runtime),
        }
        return JSONResponse(body)

    async def readyz(request: Request) -> JSONResponse:
        reasons = not_ready(runtime)
        status = "not ready" if reasons else "ready"
        body = {
            "status": status,
            "reasons": reasons,
            "snapshot": runtime.ingested.content_hash,
            "counts": health_view(runtime),
        }
        return JSONResponse(body, status_code=503 if reasons else 200)

    subscribers = Subscribers(runtime.config.subscriber_limit)
    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "HEAD", "POST"]),
        WebSocketRoute("/graphql", WebSocketEndpoint(schema, runtime, subscribers)),
        Route("/graphql/stream", SSEEndpoint(schema, runtime, subscribers), methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *static_routes(runtime),
    ]
    if runtime.config.graphiql:
        routes.append(graphiql_files())
    return routes


def _with_plugin_routes(runtime: Runtime, routes: list[BaseRoute]) -> list[BaseRoute]:
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


def create_app(config: Config | None = None, plugins: Plugins | None = None) -> NewsgraphApp:
    """Build the app; its lifespan loads every source before the first request."""
    runtime = Runtime(config or load_config(), plugins)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for _, context in runtime.plugins.lifespans(app):
                await stack.enter_async_context(context)
            ingested = await runtime.load()
            logged = runtime.logged()  # each source's own, and failures with tracebacks
            for problem in ingested.problems:
                if problem not in logged:  # found across sources: duplicates, enrichment
                    level = logging.ERROR if problem.severity is Severity.ERROR else logging.WARNING
                    log.log(level, "%s", problem)
            log.info("newsgraph: %s", summary(ingested))
            background = [asyncio.create_task(runtime.poll(name)) for name in runtime.polled()]
            background += [asyncio.create_task(runtime.watch(name)) for name in runtime.watched()]
            if runtime.config.reload_interval > 0:
                background.append(
                    asyncio.create_task(_reload_forever(runtime, runtime.config.reload_interval))
                )
            try:
                yield
            finally:
                runtime.feed.close()  # subscriptions complete
                for task in background:
                    task.cancel()
                # Each task ends in CancelledError, which gather returns; a cancellation of
                # this shutdown itself still propagates.
                await asyncio.gather(*background, return_exceptions=True)
                if isinstance(endpoint.persisted, AutomaticPersistedQueries):
                    await endpoint.persisted.close()
                if endpoint.pool is not None:
                    endpoint.pool.close()

    config = runtime.config
    sizes = RequestSizes(config.max_body_bytes, config.max_header_bytes, config.body_timeout)
    endpoint = GraphQLEndpoint(runtime)
    metrics = Metrics()
    metrics.watch(runtime, endpoint.cache, endpoint.answered)
    admin = admin_routes(runtime, metrics)
    separate = runtime.config.admin_port is not None
    bounded = _bounded(endpoint, config)
    # A request's body is in before it takes a place, so slow clients wait outside.
    routes = _routes(runtime, BodyFirst(bounded), endpoint.schema) + ([] if separate else admin)
    plugin_middleware = runtime.plugins.middleware()
    app = NewsgraphApp(
        routes=_with_plugin_routes(runtime, routes),
        # Metrics outermost, so that the time the others take is measured too; then CORS, so
        # that even a refusal (of a request's size, or a plugin middleware's) reaches a
        # browser readable.
        middleware=[
            Middleware(RequestMetrics, metrics),
            *cors_middleware(config),
            Middleware(RequestLimits, sizes=sizes),
            *plugin_middleware,
        ],
        lifespan=lifespan,
        exception_handlers=HANDLERS,
    )
    if not plugin_middleware:  # a plugin's middleware sees every request: none skip it
        app.entrance = GraphQLEntrance(bounded, metrics, sizes, cors_options(config))
    app.state.runtime = runtime
    # With server.admin_port, `newsgraph serve` serves this second app on that port.
    app.state.admin = Starlette(routes=admin, exception_handlers=HANDLERS) if separate else None
    return app
