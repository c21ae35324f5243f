"""The ASGI application: GraphQL (with GraphiQL), health, introspection, plugin routes, and
the lifespan that loads content and runs plugins' start/stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from newsgraph.engine.ingest import Ingested
from newsgraph.engine.sources import Severity
from newsgraph.server.admin import admin_routes
from newsgraph.server.admission import Admission
from newsgraph.server.body_first import BodyFirst
from newsgraph.server.budget import Budget, RequestBudget
from newsgraph.server.config import Config, load_config
from newsgraph.server.cors import cors_middleware
from newsgraph.server.endpoint import GraphQLEndpoint
from newsgraph.server.graphiql import graphiql_files
from newsgraph.server.introspection import health_view
from newsgraph.server.limits import RequestLimits, RequestSizes
from newsgraph.server.metrics import Metrics, RequestMetrics
from newsgraph.server.persisted_queries import AutomaticPersistedQueries
from newsgraph.server.plugin_manager import PluginError, Plugins
from newsgraph.server.readiness import not_ready
from newsgraph.server.runtime import Runtime
from newsgraph.server.site_routes import routes as static_routes

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


def _bounded(endpoint: GraphQLEndpoint, config: Config) -> ASGIApp:
    """The endpoint inside its per-request budget and admission control; a request's body is
    in before it takes a place, so slow clients wait outside."""
    budget = RequestBudget(endpoint, Budget(config.request_timeout, config.max_response_bytes))
    admission = Admission(budget, config.max_running, config.max_queued)
    return BodyFirst(admission)


def _routes(runtime: Runtime, graphql: ASGIApp) -> list[BaseRoute]:
    async def healthz(request: Request) -> JSONResponse:
        snapshot = runtime.ingested.content_hash
        return JSONResponse({"status": "ok", "snapshot": snapshot, "counts": health_view(runtime)})

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

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "HEAD", "POST"]),
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


def create_app(config: Config | None = None, plugins: Plugins | None = None) -> Starlette:
    """Build the app; its lifespan loads every source before the first request."""
    runtime = Runtime(config or load_config(), plugins)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for _, context in runtime.plugins.lifespans(app):
                await stack.enter_async_context(context)
            ingested = await runtime.load()
            failures = runtime.failures()  # already logged, with their tracebacks
            for problem in ingested.problems:
                if problem not in failures:
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
                if isinstance(endpoint.persisted, AutomaticPersistedQueries):
                    await endpoint.persisted.close()

    config = runtime.config
    sizes = RequestSizes(config.max_body_bytes, config.max_header_bytes, config.body_timeout)
    endpoint = GraphQLEndpoint(runtime)
    metrics = Metrics()
    metrics.watch(runtime, endpoint.cache, endpoint.answered)
    admin = admin_routes(runtime, metrics)
    separate = runtime.config.admin_port is not None
    routes = _routes(runtime, _bounded(endpoint, config)) + ([] if separate else admin)
    app = Starlette(
        routes=_with_plugin_routes(runtime, routes),
        # Metrics outermost, so that the time the others take is measured too; then CORS, so
        # that even a refusal (of a request's size, or a plugin middleware's) reaches a
        # browser readable.
        middleware=[
            Middleware(RequestMetrics, metrics),
            *cors_middleware(config),
            Middleware(RequestLimits, sizes=sizes),
            *runtime.plugins.middleware(),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    # With server.admin_port, `newsgraph serve` serves this second app on that port.
    app.state.admin = Starlette(routes=admin) if separate else None
    return app
