"""`/graphql`: GraphQL over HTTP, with a fast lane in front of Strawberry's executor.

A request (GET or HEAD with `query=`, or POST with a JSON body) is answered from the response
cache when it can be, else by the direct executor when it can run the query exactly, else by
Strawberry; whichever path answers, the body is the same. A browser asking for a page without
a page gets newsgraph's own GraphiQL (server/graphiql.py), even with `?query=` (opened in the
editor, not run), unless `server.graphiql` is off.

The media type follows the GraphQL-over-HTTP spec: `application/graphql-response+json` for
clients that ask for it, where a request that cannot run (parse, validation, variable
coercion) is a 4xx with no `data`; `application/json` otherwise, where such a request is a
200. Successful answers carry an ETag and, over GET, `Cache-Control`; they are compressed
when large enough, and the cache keeps each coding with the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from time import perf_counter
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.snapshot import Snapshot
from newsgraph.schema.article_memo import ARTICLE_MEMO_BYTES
from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.schema.cost_limit import COST_REQUEST_KEY
from newsgraph.schema.deadline import DeadlineExceeded
from newsgraph.schema.errors import INTERNAL_SERVER_ERROR
from newsgraph.schema.execution import Declined
from newsgraph.schema.executor import Executor, Measured
from newsgraph.server.admission import Admission, Shed
from newsgraph.server.body_first import read_body
from newsgraph.server.client_gone import ClientGone, client_gone, until_disconnect
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
from newsgraph.server.execution_pool import PoolBusy, pool_for
from newsgraph.server.graphiql import asks_for_page, graphiql_page
from newsgraph.server.http_caching import CachePolicy, not_modified
from newsgraph.server.http_negotiation import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    content_coding,
    response_media_type,
)
from newsgraph.server.http_params import Params, parse_params, request_key
from newsgraph.server.limits import check_query_text
from newsgraph.server.loop_busy import LoopBusy
from newsgraph.server.loop_lateness import SHED_INTERVAL, LoopLateness
from newsgraph.server.metrics import ERROR_CODE
from newsgraph.server.persisted_queries import (
    AutomaticPersistedQueries,
    PersistedQueries,
    SentDocuments,
    TrustedDocuments,
    load_manifest,
)
from newsgraph.server.preview import grants_preview
from newsgraph.server.refusals import OVERLOADED, SHED
from newsgraph.server.replies import RawHeaders, Reply
from newsgraph.server.response_cache import RESPONSE_CACHE_BYTES, Answer, ResponseCache
from newsgraph.server.runtime import Runtime

_NO_STORE: RawHeaders = [(b"cache-control", b"no-store")]
_SHED = Reply(SHED.status_code, list(SHED.raw_headers), bytes(SHED.body))
Headers = dict[bytes, bytes]
_QUERIES_ONLY = {OperationType.QUERY}
_ANY_OPERATION = {OperationType.QUERY, OperationType.MUTATION}


class GraphQLEndpoint(GraphQL[Context, None]):
    """GraphQL over HTTP for the runtime's current catalog."""

    def __init__(self, runtime: Runtime) -> None:
        config = runtime.config
        additions = runtime.plugins.schema_additions()
        schema = build_schema(config.limits, additions)
        # newsgraph serves its own GraphiQL (server/graphiql.py), never Strawberry's.
        super().__init__(schema, graphql_ide=None)
        self.runtime = runtime
        # The caches' budgets are the server's: each of N workers keeps its share, so that a
        # second worker adds what a larger cache would, not a second cache as large.
        workers = config.workers
        self.cache = ResponseCache(
            _share(config.response_cache, workers), _share(RESPONSE_CACHE_BYTES, workers)
        )
        # A plugin's schema extension may change any result, so only Strawberry may run then.
        plugin_extensions = any(addition.extensions for _, addition in additions)
        self.executor = (
            Executor(schema, config.limits, _share(ARTICLE_MEMO_BYTES, workers))
            if config.direct_executor and not plugin_extensions
            else None
        )
        # Strawberry's execution runs on worker threads when nothing in it needs the loop.
        self.pool = pool_for(schema, config.max_running)
        self.persisted = persisted_queries(config)
        self.codings = tuple(CODERS) if config.compression else ()
        self.caching = CachePolicy.of(config)
        self.answered = {"cache": 0, "direct": 0, "strawberry": 0}
        self.busy = LoopBusy(config.shed_busy_share, config.shed_min_cost)
        lateness = LoopLateness(config.shed_latency, SHED_INTERVAL)
        self.admission = Admission(config.max_running, config.max_queued, lateness)
        self._max_tokens = config.limits.max_tokens
        self._preview_header = config.preview_header.lower().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        # ASGI servers give header names in lower case; one dict serves every lookup.
        headers: Headers = dict(scope["headers"])
        method = scope["method"]
        config = self.runtime.config
        if config.graphiql and asks_for_page(method, headers.get(b"accept")):
            page = graphiql_page(Request(scope, receive), config.preview_header)
            return await page(scope, receive, send)
        try:
            reply = await self._reply(scope, receive, headers)
        except RequestError as refused:
            _note_code(scope, refused.code)
            reply = _refusal(refused, response_media_type(headers.get(b"accept")))
        except (Shed, PoolBusy):
            # No place in admission, or every worker thread still has work (left running by
            # requests that ended, which nobody waits for): refused at once, not queued.
            _note_code(scope, OVERLOADED)
            reply = _SHED
        except DeadlineExceeded:
            raise  # the request's budget (server/budget.py) answers it
        except ClientGone:
            return await until_disconnect(receive)  # nobody to answer
        except Exception as error:  # never a bare 500 page: a coded, masked GraphQL error
            errors = [internal_error("/graphql", error)]
            _note_error_code(scope, errors)
            reply = Reply.of(500, orjson.dumps({"errors": errors}), JSON, _NO_STORE)
        await reply.send(send, head=method == "HEAD")

    async def _reply(self, scope: Scope, receive: Receive, headers: Headers) -> Reply:
        method = scope["method"]
        media = response_media_type(headers.get(b"accept"))
        if media is None:
            raise RequestError(
                406, NOT_ACCEPTABLE, f"answers are {GRAPHQL_RESPONSE_JSON} or {JSON}"
            )
        if method == "POST":
            _check_content_type(headers.get(b"content-type"))
            _check_content_coding(headers.get(b"content-encoding"))
            raw = await read_body(receive)
            if raw is None:
                raise ClientDisconnect
        else:
            raw = scope["query_string"]
        key = request_key(method, raw)
        # One snapshot per request: a reload mid-request cannot mix two catalogs.
        snapshot = self.runtime.snapshot
        preview = grants_preview(self.runtime.config, headers.get(self._preview_header))
        catalog = snapshot.catalog.with_drafts() if preview else snapshot.catalog
        # The request's own bytes are the key: a client repeating itself is found without
        # even parsing JSON, or making the context that running it would need.
        answer = self.cache.get(catalog, key)
        fresh = answer is None
        if answer is not None:
            self.answered["cache"] += 1
        else:
            async with self.admission:  # work takes a place; a cached answer does not
                context = self._context(snapshot, catalog, preview)
                outcome = await self._run(scope, method, parse_params(key), context, media)
            if isinstance(outcome, Reply):
                return outcome
            answer = Answer.of(outcome)
        reply, kept = self._answer(method, headers, media, preview, snapshot.content_hash, answer)
        if kept is not answer or fresh:
            self.cache.put(catalog, key, kept)
        return reply

    async def _run(
        self, scope: Scope, method: str, params: Params, context: Context, media: str
    ) -> bytes | Reply:
        """The body of a clean answer, or the reply for anything else."""
        document = await self.persisted.document(params)
        check_query_text(document.query, self.runtime.config.max_query_bytes)
        body = self._direct(scope, document.query, params, context)
        if isinstance(body, Reply):
            _note_code(scope, OVERLOADED)
            return body
        if body is not None:
            self.answered["direct"] += 1
        else:
            self.answered["strawberry"] += 1
            result = await self._execute(document.query, params, method, context)
            errors = result.errors or []
            shown = formatted_errors(errors)
            _note_error_code(scope, shown)
            if result.data is None and errors and all(e.path is None for e in errors):
                # Nothing ran: a request error (the spec's "no data entry").
                return _failure(shown, media)
            body = orjson.dumps(
                {
                    "data": result.data,
                    **({"errors": shown} if errors else {}),
                    **({"extensions": result.extensions} if result.extensions else {}),
                }
            )
            if errors:  # errors may be passing (a timeout, say): never cached
                return Reply.of(200, body, media, _NO_STORE)
        if isinstance(self.persisted, AutomaticPersistedQueries):
            await self.persisted.remember(document)
        return body

    def _direct(
        self, scope: Scope, query: str, params: Params, context: Context
    ) -> bytes | Reply | None:
        """The fast lane's body, the shed reply for costly work while the loop is busy, or
        None for what Strawberry runs; `ClientGone` for costly work whose client has gone."""
        # The fast lane reports no extensions: a request that asks for its cost goes on.
        if self.executor is None or COST_REQUEST_KEY in params.extensions:
            return None
        started = perf_counter()  # planning, measuring and running: one stretch of loop work
        try:
            measured = self._measured(self.executor, query, params)
            if not isinstance(measured, Measured):
                return measured
            if measured.cost >= self.busy.min_cost and client_gone(scope):
                raise ClientGone
            return orjson.dumps({"data": self.executor.run(measured, context)})
        except Declined:
            return None
        finally:
            self.busy.worked(started)

    def _measured(self, executor: Executor, query: str, params: Params) -> Measured | Reply | None:
        """The query planned and measured for the fast lane, the shed reply for costly work
        while the loop is busy, or None for Strawberry."""
        try:
            if self.busy.busy() and not executor.has_plan(query, params.operation_name):
                # Planning a new text costs ten times what measuring it does (validation):
                # a burst of distinct heavy texts is shed at the lower price.
                cost = executor.text_cost(query, params.operation_name, params.variables)
                if cost is not None and self.busy.sheds(cost):
                    return _SHED
            plan = executor.plan(query, params.operation_name)
            if plan is None:
                return None
            measured = executor.measured(plan, params.variables)
            return _SHED if self.busy.sheds(measured.cost) else measured
        except Declined:
            return None

    async def _execute(
        self, query: str, params: Params, method: str, context: Context
    ) -> ExecutionResult:
        if params.operation_name is None and _operation_count(query, self._max_tokens) > 1:
            raise RequestError(
                400,
                OPERATION_RESOLUTION_FAILURE,
                "the document has several operations: name the one to run in operationName",
            )
        arguments: dict[str, Any] = {
            "variable_values": params.variables,
            "context_value": context,
            "operation_name": params.operation_name,
            "allowed_operation_types": _ANY_OPERATION if method == "POST" else _QUERIES_ONLY,
            "operation_extensions": params.extensions,
        }
        try:
            if self.pool is None:
                return await self.schema.execute(query, **arguments)
            execute: Callable[[], ExecutionResult] = partial(
                self.schema.execute_sync, query, **arguments
            )
            return await self.pool.run(execute)
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
        method: str,
        headers: Headers,
        media: str,
        preview: bool,
        snapshot: str,
        answer: Answer,
    ) -> tuple[Reply, Answer]:
        """A clean answer as this request wants it: 304, or the body in the best coding
        (made once per snapshot: the coded bytes join the answer, and the cache keeps the
        answer returned with the reply)."""
        origin = b"origin" in headers
        caching = self.caching.headers(method, answer.etag, snapshot, preview, origin)
        if not_modified(method, headers.get(b"if-none-match"), answer.etag):
            return Reply.of(304, b"", None, caching), answer
        body = answer.body
        coding = content_coding(headers.get(b"accept-encoding"), self.codings)
        if coding is not None and len(body) >= self.runtime.config.compress_min_bytes:
            coded = answer.coded.get(coding)
            if coded is None:
                started = perf_counter()
                coded = encode(body, coding)
                self.busy.worked(started)
                answer = answer.with_coding(coding, coded)
            body = coded
            caching.append((b"content-encoding", coding.encode()))
        return Reply.of(200, body, media, caching), answer

    def _context(self, snapshot: Snapshot, catalog: Catalog, preview: bool) -> Context:
        return Context(
            catalog=catalog,
            select_url=self.runtime.plugins.select_url,
            preview=preview,
            snapshot=snapshot,
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        headers: Headers = dict(request.scope["headers"])
        preview = grants_preview(self.runtime.config, headers.get(self._preview_header))
        snapshot = self.runtime.snapshot
        catalog = snapshot.catalog.with_drafts() if preview else snapshot.catalog
        return self._context(snapshot, catalog, preview)


def _share(budget: int, workers: int) -> int:
    """One worker's share of a server's budget: never 0 unless the budget is."""
    return -(-budget // workers)


def persisted_queries(config: Config) -> PersistedQueries:
    """The persisted-query mode the config names; a trusted mode's manifest is read now."""
    if config.persisted_queries == "trusted":
        assert config.persisted_queries_manifest is not None  # the settings require it
        return TrustedDocuments(load_manifest(config.persisted_queries_manifest))
    if config.persisted_queries == "off":
        return SentDocuments()
    shared = None
    if config.apq_redis_url is not None:
        # Imported only when configured: the Redis client is an optional extra.
        from newsgraph.server.shared_documents import RedisDocuments

        shared = RedisDocuments.of(config)
    return AutomaticPersistedQueries(config.apq_max_entries, config.apq_max_bytes, shared)


@lru_cache(maxsize=64)
def _check_content_type(header: bytes | None) -> None:
    text = (header or b"").decode("latin-1")
    media, *parameters = (part.strip().lower() for part in text.split(";"))
    charset = next(
        (p.partition("=")[2].strip('"') for p in parameters if p.startswith("charset")), "utf-8"
    )
    if media != JSON or charset != "utf-8":
        raise RequestError(
            415, UNSUPPORTED_MEDIA_TYPE, "send the request as application/json (UTF-8)"
        )


def _check_content_coding(header: bytes | None) -> None:
    # A compressed body read as JSON would be refused as malformed, blaming the wrong thing.
    coding = (header or b"").decode("latin-1").strip().lower()
    if coding not in ("", "identity"):
        raise RequestError(
            415, UNSUPPORTED_MEDIA_TYPE, f"send the request body uncompressed, not as {coding}"
        )


@lru_cache(maxsize=256)
def _operation_count(query: str, max_tokens: int) -> int:
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return 0  # the executor reports the syntax error
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def _note_error_code(scope: Scope, errors: list[FormattedError]) -> None:
    """Leave the first error's code where the request metrics read it."""
    if errors:
        _note_code(scope, errors[0].get("extensions", {}).get("code", ""))


def _note_code(scope: Scope, code: str) -> None:
    scope.setdefault("state", {})[ERROR_CODE] = code


def _failure(errors: list[FormattedError], media: str) -> Reply:
    """A request that could not run: 4xx without `data` for graphql-response+json clients,
    200 for legacy application/json ones (the spec's rule), 500 when the fault is ours."""
    if any(e.get("extensions", {}).get("code") == INTERNAL_SERVER_ERROR for e in errors):
        status = 500
    else:
        status = 400 if media == GRAPHQL_RESPONSE_JSON else 200
    return Reply.of(status, orjson.dumps({"errors": errors}), media, _NO_STORE)


def _refusal(refused: RequestError, media: str | None) -> Reply:
    status = refused.status if refused.http_level or media == GRAPHQL_RESPONSE_JSON else 200
    headers = list(_NO_STORE)
    if refused.status == 405:
        headers.append((b"allow", b"POST"))
    body = orjson.dumps({"errors": [refused.reported()]})
    return Reply.of(status, body, media or JSON, headers)  # no media: 406, answered in JSON
