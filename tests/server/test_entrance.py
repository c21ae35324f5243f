"""The entrance lets `/graphql` over HTTP in ahead of Starlette's middleware and routing; what
it does not take goes through Starlette as before."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from newsgraph.plugin_api import hookimpl
from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS
from tests.server.scrape import samples

COUNT = {"query": "{ articles { totalCount } }"}


def seeds_app(**server: Any) -> Any:
    return create_app(Config(sources=folder_sources([SEEDS]), **server))


class Stamp:
    """A plugin's middleware: stamps every response it sees."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-stamp", b"yes")]
            await send(message)

        await self.app(scope, receive, stamped)


class StampPlugin:
    @hookimpl
    def register_middleware(self) -> list[Middleware]:
        return [Middleware(Stamp)]


@pytest.mark.asyncio
async def test_a_plugin_middleware_sees_graphql_requests_too() -> None:
    async with client(make_app(("stamp", StampPlugin()))) as http:
        posted = await http.post("/graphql", json=COUNT)
        got = await http.get("/graphql", params=COUNT)
    for response in (posted, got):
        assert response.status_code == 200, response.text
        assert response.headers["x-stamp"] == "yes"
        assert response.json()["data"]["articles"]["totalCount"] == 0


@pytest.mark.asyncio
async def test_graphql_under_a_root_path_is_answered_through_starlette() -> None:
    app = seeds_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, root_path="/api")
        async with httpx.AsyncClient(transport=transport, base_url="http://newsgraph") as http:
            response = await http.post("/api/graphql", json=COUNT)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["articles"]["totalCount"] > 0


@pytest.mark.asyncio
async def test_other_methods_are_refused_by_starlettes_route() -> None:
    async with client(seeds_app()) as http:
        response = await http.put("/graphql", json=COUNT)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert error["message"] == "PUT is not allowed on /graphql: use GET, HEAD, POST"


@pytest.mark.asyncio
async def test_refusals_at_the_entrance_are_counted_under_graphql_with_their_code() -> None:
    async with client(seeds_app(max_header_bytes=2000, max_body_bytes=4096)) as http:
        headers = await http.post("/graphql", json=COUNT, headers={"x-padding": "y" * 3000})
        body = await http.post("/graphql", json={**COUNT, "pad": "p" * 5000})
        fine = await http.post("/graphql", json=COUNT)
        found = samples((await http.get("/-/metrics")).text)
    assert headers.status_code == 431
    assert headers.json()["errors"][0]["extensions"]["code"] == "HEADERS_TOO_LARGE"
    assert body.status_code == 413
    assert body.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert fine.status_code == 200

    def counted(status: str, code: str) -> float:
        labels = {"route": "/graphql", "method": "POST", "status": status, "code": code}
        return found[("newsgraph_http_requests_total", tuple(sorted(labels.items())))]

    assert counted("431", "HEADERS_TOO_LARGE") == 1
    assert counted("413", "REQUEST_TOO_LARGE") == 1
    assert counted("200", "") == 1


@pytest.mark.asyncio
async def test_a_cross_origin_request_gets_the_cors_headers_at_the_entrance() -> None:
    origin = "https://app.example"
    server = {"cors_allow_origins": (origin,), "cors_allow_credentials": True}
    async with client(seeds_app(**server)) as http:
        allowed = await http.post("/graphql", json=COUNT, headers={"origin": origin})
        other = await http.post("/graphql", json=COUNT, headers={"origin": "https://evil.example"})
        found = samples((await http.get("/-/metrics")).text)
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == origin
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "origin" in allowed.headers["vary"].lower()
    assert other.status_code == 200  # answered, but a browser will not let the page read it
    assert "access-control-allow-origin" not in other.headers
    labels = {"route": "/graphql", "method": "POST", "status": "200", "code": ""}
    assert found[("newsgraph_http_requests_total", tuple(sorted(labels.items())))] == 2
