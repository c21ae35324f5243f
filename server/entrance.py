"""The entrance for `/graphql` over HTTP: straight to the endpoint, ahead of Starlette.

Starlette's middleware layers, its router and its request objects cost about a quarter of the
time of a page the response cache has not seen (docs/performance.md). The entrance does what
they do for a GraphQL request with plain functions and one `send` wrapper, in their order:
metrics outermost (counted and timed under the route `/graphql`), Starlette's CORS middleware
for a browser's cross-origin request when CORS is on (server/cors.py), the size and time limits
of the request's head and body (server/limits.py), the body read before the request takes a
place (server/body_first.py), then the request budget and the endpoint themselves (whose
admission control gates work, not answers from the response cache).

Everything else goes through Starlette as before: other paths (`/graphql` under a root path
too), other methods (a CORS preflight's OPTIONS, or a 405), and every request when a plugin
adds middleware (it sees them all).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from newsgraph.server.body_first import read_body, replay
from newsgraph.server.cors import BrowserCORS
from newsgraph.server.limits import Refused, RequestSizes, check_head, limited
from newsgraph.server.metrics import Metrics

PATH = "/graphql"
_METHODS = frozenset({"GET", "HEAD", "POST"})


class GraphQLEntrance:
    """`/graphql` requests (GET, HEAD, POST) through metrics, limits and `graphql`."""

    def __init__(
        self,
        graphql: ASGIApp,
        metrics: Metrics,
        sizes: RequestSizes,
        cors: dict[str, Any] | None,
    ) -> None:
        self.graphql = graphql
        self.metrics = metrics
        self.sizes = sizes
        # With CORS on, a browser's cross-origin request passes through Starlette's CORS
        # middleware, where Starlette's stack has it: inside the metrics, outside the limits.
        self._inside: ASGIApp = self._enter if cors is None else BrowserCORS(self._enter, **cors)

    def takes(self, scope: Scope) -> bool:
        """Whether this request is the entrance's to answer, not Starlette's."""
        return scope["type"] == "http" and scope["path"] == PATH and scope["method"] in _METHODS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.metrics.measured(self._inside, scope, receive, send, _graphql_route)

    async def _enter(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            check_head(scope, self.sizes)
            if scope["method"] != "POST":
                return await self.graphql(scope, receive, send)
            body = await read_body(limited(receive, self.sizes))
        except Refused as refused:
            return await refused.send(scope, send)
        if body is not None:  # else the client went away before its body arrived
            await self.graphql(scope, replay(body, receive), send)


def _graphql_route(scope: Scope) -> str:
    return PATH


class NewsgraphApp(Starlette):
    """Starlette, with `/graphql` over HTTP let in by its entrance when it takes the request."""

    entrance: GraphQLEntrance | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entrance = self.entrance
        if entrance is not None and entrance.takes(scope):
            scope["app"] = self  # as Starlette sets it: GraphiQL's page finds its routes so
            return await entrance(scope, receive, send)
        await super().__call__(scope, receive, send)
