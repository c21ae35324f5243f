"""`/graphql`: GraphQL over HTTP, with a fast lane in front of Strawberry's executor.

A request (GET or HEAD with `query=`, or POST with a JSON body) is answered from the response
cache when it can be, else by the direct executor when it can run the query exactly, else by
Strawberry; whichever path answers, the body is the same. A browser asking for a page without
a query gets GraphiQL.

The media type follows the GraphQL-over-HTTP spec: `application/graphql-response+json` for
clients that ask for it, where a request that cannot run (parse, validation, variable
coercion) is a 4xx with no `data`; `application/json` otherwise, where such a request is a
200. Successful answers carry an ETag and, over GET, `Cache-Control`; they are compressed
when large enough, and the cache keeps each coding with the answer.
"""

from __future__ import annotations

import hmac
from functools import lru_cache
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.schema.errors import INTERNAL_SERVER_ERROR
from newsgraph.schema.execution import Declined
from newsgraph.schema.executor import Executor
from newsgraph.server.compression import CODERS, encode
from newsgraph.server.config import Config
from newsgraph.server.errors import (
    BAD_REQUEST,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    OPERATION_RESOLUTION_FAILURE,
    UNSUPPORTED_MEDIA_TYPE,
    FormattedError,
    RequestError,
    formatted_errors,
    internal_error,
)
from newsgraph.server.http_caching import CachePolicy
from newsgraph.server.http_negotiation import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    content_coding,
    response_media_type,
)
from newsgraph.server.http_params import Params, parse_params, request_key
from newsgraph.server.persisted_queries import (
    AutomaticPersistedQueries,
    PersistedQueries,
    SentDocuments,
    TrustedDocuments,
    load_manifest,
)
from newsgraph.server.response_cache import Answer, ResponseCache
from newsgraph.server.runtime import Runtime

_NO_STORE = {"cache-control": "no-store"}
_QUERIES_ONLY = {OperationType.QUERY}
_ANY_OPERATION = {OperationType.QUERY, OperationType.MUTATION}


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
        self.persisted = persisted_queries(config)
        self.codings = tuple(CODERS) if config.compression else ()
        self.caching = CachePolicy.of(config)
        self.answered = {"cache": 0, "direct": 0, "strawberry": 0}
        self._max_tokens = config.limits.max_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        try:
            response = await self._respond(request)
        except RequestError as refused:
            response = _refusal(refused, response_media_type(request.headers.get("accept")))
        except Exception as error:  # never a bare 500 page: a coded, masked GraphQL error
            body = {"errors": [internal_error("/graphql", error)]}
            response = Response(orjson.dumps(body), 500, _NO_STORE, JSON)
        if request.method == "HEAD":
            response.body = b""  # the headers (Content-Length too) are those of the GET
        await response(scope, receive, send)

    async def _respond(self, request: Request) -> Response:
        method = request.method
        if method != "POST" and _wants_graphiql(request):
            return await self.render_graphql_ide(request)
        media = response_media_type(request.headers.get("accept"))
        if media is None:
            raise RequestError(
                406, NOT_ACCEPTABLE, f"answers are {GRAPHQL_RESPONSE_JSON} or {JSON}"
            )
        if method == "POST":
            _check_content_type(request.headers.get("content-type"))
            raw = await request.body()
        else:
            raw = request.scope["query_string"]
        key = request_key(method, raw)
        context = self._context(request)
        # The request's own bytes are the key: a client repeating itself is found without
        # even parsing JSON.
        answer = self.cache.get(context.catalog, key)
        if answer is not None:
            self.answered["cache"] += 1
            return self._answer(request, media, context, key, answer, fresh=False)
        outcome = await self._run(parse_params(key), method, context, media)
        if isinstance(outcome, Response):
            return outcome
        return self._answer(request, media, context, key, Answer.of(outcome), fresh=True)

    async def _run(
        self, params: Params, method: str, context: Context, media: str
    ) -> bytes | Response:
        """The body of a clean answer, or the response for anything else."""
        document = self.persisted.document(params)
        body = self._direct(document.query, params, context)
        if body is not None:
            self.answered["direct"] += 1
        else:
            self.answered["strawberry"] += 1
            result = await self._execute(document.query, params, method, context)
            errors = result.errors or []
            if result.data is None and errors and all(e.path is None for e in errors):
                # Nothing ran: a request error (the spec's "no data entry").
                return _failure(formatted_errors(errors), media)
            body = orjson.dumps(
                {
                    "data": result.data,
                    **({"errors": formatted_errors(errors)} if errors else {}),
                    **({"extensions": result.extensions} if result.extensions else {}),
                }
            )
            if errors:  # errors may be passing (a timeout, say): never cached
                return Response(body, 200, _NO_STORE, media)
        if isinstance(self.persisted, AutomaticPersistedQueries):
            self.persisted.remember(document)
        return body

    def _direct(self, query: str, params: Params, context: Context) -> bytes | None:
        if self.executor is None:
            return None
        plan = self.executor.plan(query, params.operation_name)
        if plan is None:
            return None
        try:
            data = self.executor.execute(plan, params.variables, context)
        except Declined:
            return None
        return orjson.dumps({"data": data})

    async def _execute(
        self, query: str, params: Params, method: str, context: Context
    ) -> ExecutionResult:
        if params.operation_name is None and _operation_count(query, self._max_tokens) > 1:
            raise RequestError(
                400,
                OPERATION_RESOLUTION_FAILURE,
                "the document has several operations: name the one to run in operationName",
            )
        try:
            return await self.schema.execute(
                query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=_ANY_OPERATION if method == "POST" else _QUERIES_ONLY,
                operation_extensions=params.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise RequestError(
                400, OPERATION_RESOLUTION_FAILURE, error.as_http_error_reason()
            ) from None
        except InvalidOperationTypeError:
            raise RequestError(
                405, METHOD_NOT_ALLOWED, "only queries run over GET: send this one with POST"
            ) from None
        except MissingQueryError:
            raise RequestError(400, BAD_REQUEST, "the query is empty") from None

    def _answer(
        self,
        request: Request,
        media: str,
        context: Context,
        key: bytes,
        answer: Answer,
        fresh: bool,
    ) -> Response:
        """A clean answer as this request wants it: 304, or the body in the best coding; the
        cache remembers it, and any coding made of it, for the rest of the snapshot."""
        headers = self.caching.headers(request.method, answer.etag, context.preview)
        if self.caching.not_modified(request, answer.etag):
            if fresh:
                self.cache.put(context.catalog, key, answer)
            return Response(status_code=304, headers=headers)
        body = answer.body
        coding = content_coding(request.headers.get("accept-encoding"), self.codings)
        if coding is not None and len(body) >= self.runtime.config.compress_min_bytes:
            coded = answer.coded.get(coding)
            if coded is None:
                coded = encode(body, coding)
                answer = answer.with_coding(coding, coded)
                fresh = True
            body = coded
            headers["content-encoding"] = coding
        if fresh:
            self.cache.put(context.catalog, key, answer)
        return Response(body, 200, headers, media)

    def _context(self, request: Request) -> Context:
        # One snapshot per request: a reload mid-request cannot mix two catalogs.
        catalog = self.runtime.catalog
        preview = self._carries_preview_credential(request)
        return Context(
            catalog=catalog.with_drafts() if preview else catalog,
            select_url=self.runtime.plugins.select_url,
            preview=preview,
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return self._context(request)  # type: ignore[arg-type]

    def _carries_preview_credential(self, request: Request | WebSocket) -> bool:
        expected = self.runtime.config.preview_token
        given = request.headers.get(self.runtime.config.preview_header)
        if expected is None or given is None:
            return False
        return hmac.compare_digest(given.encode(), expected.encode())


def persisted_queries(config: Config) -> PersistedQueries:
    """The persisted-query mode the config names; a trusted mode's manifest is read now."""
    if config.persisted_queries == "trusted":
        assert config.persisted_queries_manifest is not None  # the settings require it
        return TrustedDocuments(load_manifest(config.persisted_queries_manifest))
    if config.persisted_queries == "off":
        return SentDocuments()
    return AutomaticPersistedQueries(config.apq_max_entries, config.apq_max_bytes)


def _wants_graphiql(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "query" not in request.query_params


def _check_content_type(header: str | None) -> None:
    media, *parameters = (part.strip().lower() for part in (header or "").split(";"))
    charset = next(
        (p.partition("=")[2].strip('"') for p in parameters if p.startswith("charset")), "utf-8"
    )
    if media != JSON or charset != "utf-8":
        raise RequestError(
            415, UNSUPPORTED_MEDIA_TYPE, "send the request as application/json (UTF-8)"
        )


@lru_cache(maxsize=256)
def _operation_count(query: str, max_tokens: int) -> int:
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return 0  # the executor reports the syntax error
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def _failure(errors: list[FormattedError], media: str) -> Response:
    """A request that could not run: 4xx without `data` for graphql-response+json clients,
    200 for legacy application/json ones (the spec's rule), 500 when the fault is ours."""
    if any(e["extensions"]["code"] == INTERNAL_SERVER_ERROR for e in errors):
        status = 500
    else:
        status = 400 if media == GRAPHQL_RESPONSE_JSON else 200
    return Response(orjson.dumps({"errors": errors}), status, _NO_STORE, media)


def _refusal(refused: RequestError, media: str | None) -> Response:
    status = refused.status if refused.http_level or media == GRAPHQL_RESPONSE_JSON else 200
    headers: dict[str, Any] = dict(_NO_STORE)
    if refused.status == 405:
        headers["allow"] = "POST"
    body = orjson.dumps({"errors": [refused.formatted()]})
    return Response(body, status, headers, media if status != 406 and media else JSON)
