"""The admin endpoints (`/-/sources`, `/-/plugins`, `/-/metrics`): what operators read and
the public need not see. With `server.admin_token` they ask for `Authorization: Bearer
<token>`; with `server.admin_port` they are served on that port only (see `cli._serve`)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from newsgraph.server.introspection import plugins_view, sources_view
from newsgraph.server.metrics import Metrics
from newsgraph.server.runtime import Runtime

Endpoint = Callable[[Request], Awaitable[Response]]


def guarded(endpoint: Endpoint, token: str | None) -> Endpoint:
    """The endpoint, behind a bearer token when one is configured."""
    if token is None:
        return endpoint
    expected = f"Bearer {token}".encode()

    async def checked(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return JSONResponse(
                {"error": "the admin endpoints need Authorization: Bearer <server.admin_token>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return await endpoint(request)

    return checked


def admin_routes(runtime: Runtime, metrics: Metrics) -> list[BaseRoute]:
    async def sources(request: Request) -> Response:
        return JSONResponse(sources_view(runtime))

    async def plugins(request: Request) -> Response:
        return JSONResponse(plugins_view(runtime.plugins))

    async def scrape(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    token = runtime.config.admin_token
    return [
        Route(path, guarded(endpoint, token), methods=["GET"])
        for path, endpoint in (
            ("/-/sources", sources),
            ("/-/plugins", plugins),
            ("/-/metrics", scrape),
        )
    ]
