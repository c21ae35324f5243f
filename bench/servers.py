"""The two comparison servers of the HTTP benchmark, each run in uvicorn like `newsgraph serve`.

`python -m bench.servers static PAGE_FILE --port P`: a Starlette route answering every POST
to /graphql with the same pre-serialised bytes (the floor: no GraphQL, no serialisation).

`python -m bench.servers strawberry FOLDER --port P`: Strawberry as configured by default
(`strawberry.Schema(query=Query)`, no extensions, its stock ASGI view) over a catalog loaded
from FOLDER by newsgraph's own pipeline.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from bench.config import bench_config
from newsgraph.schema.context import Context
from newsgraph.schema.query import Query
from newsgraph.server.runtime import Runtime

JSON = "application/json"


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type=JSON)


def static_app(page: bytes) -> Starlette:
    async def graphql(request: Request) -> Response:
        await request.body()  # a GraphQL server must read the request; so does the floor
        return Response(page, media_type=JSON)

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def strawberry_app(folder: Path) -> Starlette:
    runtime = Runtime(bench_config(folder))

    class Endpoint(GraphQL[Context, None]):
        async def get_context(
            self, request: Request | WebSocket, response: Response | WebSocket
        ) -> Context:
            return Context(catalog=runtime.catalog)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runtime.load()
        yield

    return Starlette(
        routes=[
            Route("/graphql", Endpoint(strawberry.Schema(query=Query))),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.servers", description=__doc__)
    parser.add_argument("kind", choices=("static", "strawberry"))
    parser.add_argument("path", type=Path, help="the page file (static) or the content folder")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.kind == "static":
        app = static_app(args.path.read_bytes())
    else:
        app = strawberry_app(args.path)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
