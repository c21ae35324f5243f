"""The ASGI application: GraphQL (with GraphiQL), health, and the lifespan that loads content."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from schema.build import build_schema
from schema.context import Context
from server.config import Config, default_config
from server.ingest import Ingested
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
        super().__init__(build_schema(runtime.config.limits), graphql_ide="graphiql")
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
        return Context(catalog=self.runtime.catalog)


def create_app(config: Config | None = None) -> Starlette:
    """Build the app; its lifespan loads every source before the first request."""
    runtime = Runtime(config or default_config())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ingested = await runtime.load()
        for problem in ingested.problems:
            log.warning("%s", problem)
        log.info("newsgraph: %s", summary(ingested))
        yield

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "articles": len(runtime.catalog)})

    graphql = GraphQLEndpoint(runtime)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
