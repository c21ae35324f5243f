"""`/graphql`: Strawberry's GraphQL-over-HTTP handler, with a fast lane in front of it.

A plain query request (POST with a JSON body, or GET with `query=` from a client that is not a
browser asking for GraphiQL) is answered from the response cache when it can be, else by the
direct executor when it can run the query exactly; everything else, and everything either of
them declines, goes to Strawberry unchanged. Whichever path answers, the body is the same.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.schema.execution import Declined
from newsgraph.schema.executor import Executor
from newsgraph.server.metrics import ERROR_CODE, error_code
from newsgraph.server.response_cache import ResponseCache
from newsgraph.server.runtime import Runtime

_CONTEXT = "newsgraph_context"
_ERRORS = "newsgraph_errors"


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str
    operation_name: str | None
    variables: dict[str, Any]


async def request_key(request: Request) -> bytes | None:
    """What identifies a request the fast lane can take: its JSON body, or its query string
    for GET; None leaves the request to Strawberry."""
    if request.method == "GET":
        if "text/html" in request.headers.get("accept", ""):
            return None  # a browser: Strawberry decides whether to show GraphiQL
        return b"GET " + request.url.query.encode()
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type == "application/json":
            return b"POST " + await request.body()
    return None


def parse_request(key: bytes) -> GraphQLRequest | None:
    """The query, operation name and variables in a request key, if it is a plain query."""
    method, _, raw = key.partition(b" ")
    variables: object = None
    if method == b"GET":
        params = dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
        query: object = params.get("query")
        name: object = params.get("operationName")
        if "variables" in params:
            try:
                variables = orjson.loads(params["variables"])
            except orjson.JSONDecodeError:
                return None
    else:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(body, dict) or set(body) - {"query", "variables", "operationName"}:
            return None
        query, name, variables = body.get("query"), body.get("operationName"), body.get("variables")
    if not isinstance(query, str) or not (name is None or isinstance(name, str)):
        return None
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        return None
    return GraphQLRequest(query, name, variables)


class GraphQLEndpoint(GraphQL[Context, None]):
    """GraphQL over HTTP for the runtime's current catalog."""

    def __init__(self, runtime: Runtime) -> None:
        config = runtime.config
        additions = runtime.plugins.schema_additions()
        schema = build_schema(config.limits, additions)
        super().__init__(schema, graphql_ide="graphiql")
        self.runtime = runtime
        self.cache = ResponseCache(max_entries=config.response_cache)
        # A plugin's schema extension may change any result, so only Strawberry may run then.
        plugin_extensions = any(addition.extensions for _, addition in additions)
        self.executor = (
            Executor(schema, config.limits)
            if config.direct_executor and not plugin_extensions
            else None
        )
        self.answered = {"cache": 0, "direct": 0, "strawberry": 0}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        try:
            response = await self._respond(request)
        except HTTPException as error:
            # Malformed requests still get a GraphQL-shaped body, not plain text.
            body = {"errors": [{"message": error.reason}]}
            response = JSONResponse(body, status_code=error.status_code)
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        key = await request_key(request)
        if key is None:
            self.answered["strawberry"] += 1
            return await self.run(request)
        context = await self.get_context(request, None)  # type: ignore[arg-type]
        setattr(request.state, _CONTEXT, context)
        # The request's own bytes are the key: a client repeating itself is found without
        # even parsing JSON.
        body = self.cache.get(context.catalog, key)
        if body is not None:
            self.answered["cache"] += 1
            return Response(body, media_type="application/json")
        wanted = parse_request(key)
        body = None if wanted is None else self._direct(wanted, context)
        if body is not None:
            self.answered["direct"] += 1
        else:
            self.answered["strawberry"] += 1
            response = await self.run(request)
            if response.status_code != 200 or getattr(request.state, _ERRORS, True):
                return response  # errors may be passing (a timeout, say): never cached
            body = bytes(response.body)
        self.cache.put(context.catalog, key, body)
        return Response(body, media_type="application/json")

    def _direct(self, wanted: GraphQLRequest, context: Context) -> bytes | None:
        if self.executor is None:
            return None
        plan = self.executor.plan(wanted.query, wanted.operation_name)
        if plan is None:
            return None
        try:
            data = self.executor.execute(plan, wanted.variables, context)
        except Declined:
            return None
        return orjson.dumps({"data": data})

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        # One snapshot per request: a reload mid-request cannot mix two catalogs.
        known: Context | None = getattr(request.state, _CONTEXT, None)
        if known is not None:
            return known
        catalog = self.runtime.catalog
        preview = self._carries_preview_credential(request)
        return Context(
            catalog=catalog.with_drafts() if preview else catalog,
            select_url=self.runtime.plugins.select_url,
            preview=preview,
        )

    def _carries_preview_credential(self, request: Request | WebSocket) -> bool:
        expected = self.runtime.config.preview_token
        given = request.headers.get(self.runtime.config.preview_header)
        if expected is None or given is None:
            return False
        return hmac.compare_digest(given.encode(), expected.encode())

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        setattr(request.state, _ERRORS, bool(result.errors))
        if result.errors:
            setattr(request.state, ERROR_CODE, error_code(result.errors))
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
