"""`POST /graphql/stream`: GraphQL over Server-Sent Events, the graphql-sse protocol's
"distinct connections" mode.

The request is a GraphQL request (JSON body) with `Accept: text/event-stream`; the response
streams `event: next` messages, each one execution result, and ends with `event: complete`.
The preview credential is the usual header. An idle stream gets a comment line every
`server.sse_keep_alive` seconds; the stream completes when the server shuts down, and is dropped
when the client goes away.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing, suppress
from typing import Any

import orjson
from starlette.types import Message, Receive, Scope, Send
from strawberry.schema.base import BaseSchema
from strawberry.types import ExecutionResult

from newsgraph.schema.live import LiveContext
from newsgraph.server.preview import grants_preview
from newsgraph.server.runtime import Runtime
from newsgraph.server.subscribers import Subscribers, TooManySubscribers

EVENT_STREAM = "text/event-stream"
_PING = b":\n\n"
_COMPLETE = b"event: complete\ndata:\n\n"


class BadRequest(ValueError):
    """The request is not a GraphQL request over SSE; the message says why."""


def _wanted(body: bytes) -> tuple[str, dict[str, Any] | None, str | None]:
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("the body is not JSON") from None
    if not isinstance(request, dict):
        raise BadRequest("the body must be a JSON object with a `query`")
    query, variables, name = (request.get(k) for k in ("query", "variables", "operationName"))
    if not isinstance(query, str):
        raise BadRequest("`query` must be a GraphQL document")
    if not (variables is None or isinstance(variables, dict)):
        raise BadRequest("`variables` must be an object")
    if not (name is None or isinstance(name, str)):
        raise BadRequest("`operationName` must be text")
    return query, variables, name


def _event(result: ExecutionResult) -> bytes:
    payload: dict[str, object] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    return b"event: next\ndata: " + orjson.dumps(payload) + b"\n\n"


class SSEEndpoint:
    def __init__(self, schema: BaseSchema, runtime: Runtime, subscribers: Subscribers) -> None:
        self.schema = schema
        self.runtime = runtime
        self.subscribers = subscribers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if EVENT_STREAM not in headers.get("accept", ""):
            return await _refuse(send, 406, f"send `Accept: {EVENT_STREAM}`")
        try:
            query, variables, name = _wanted(await _body(receive))
        except BadRequest as error:
            return await _refuse(send, 400, str(error))
        config = self.runtime.config
        preview = grants_preview(config, headers.get(config.preview_header.lower()))
        context = LiveContext(self.runtime.feed, preview, self.runtime.plugins.select_url)
        try:
            with self.subscribers.admitted():
                results = await self.schema.stream(query, variables, context, None, name)
                async with aclosing(results):
                    await self._stream(results, receive, send)
        except TooManySubscribers as refused:
            await _refuse(send, 503, str(refused))

    async def _stream(self, results: AsyncIterator[object], receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-cache"),
                    (b"x-accel-buffering", b"no"),  # proxies must not hold events back
                ],
            }
        )
        gone = asyncio.ensure_future(_disconnected(receive))
        keep_alive = self.runtime.config.sse_keep_alive or None
        following: asyncio.Future[object] | None = None
        try:
            while True:
                if following is None:
                    following = asyncio.ensure_future(anext(results))
                done, _ = await asyncio.wait(
                    (following, gone), timeout=keep_alive, return_when=asyncio.FIRST_COMPLETED
                )
                if gone in done:
                    return
                if following not in done:
                    await _write(send, _PING)
                    continue
                try:
                    result = following.result()
                except StopAsyncIteration:
                    break
                following = None
                if not isinstance(result, ExecutionResult):
                    break  # incremental delivery (@defer, @stream) is not served here
                await _write(send, _event(result))
            await _write(send, _COMPLETE)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            for task in (following, gone):
                if task is not None:
                    task.cancel()
                    with suppress(BaseException):
                        await task


async def _write(send: Send, data: bytes) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": True})


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message: Message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _refuse(send: Send, status: int, message: str) -> None:
    body = orjson.dumps({"errors": [{"message": message}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
