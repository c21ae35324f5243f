"""Size and time limits on a request before anything reads it: headers (431), a body's size
(413, refused from its Content-Length when it declares one) and the time its body may take
to arrive (408); and the length of GraphQL query text (413). Every refusal is a JSON GraphQL
error."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsgraph.server.alarm import Alarm
from newsgraph.server.errors import RequestError
from newsgraph.server.refusals import (
    HEADERS_TOO_LARGE,
    REQUEST_TIMEOUT,
    REQUEST_TOO_LARGE,
    send_refusal,
)


@dataclass(frozen=True, slots=True)
class RequestSizes:
    max_body_bytes: int = 1024 * 1024
    max_header_bytes: int = 16 * 1024  # all header names and values, the path and query string
    body_timeout: float = 10.0  # seconds from the first byte of a request to its last


class Refused(Exception):
    """A request refused by its size or the time its body takes, before anything read it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    async def send(self, scope: Scope, send: Send) -> None:
        await send_refusal(scope, send, self.status, self.code, self.message)


class RequestLimits:
    """ASGI middleware enforcing `RequestSizes` on every HTTP request."""

    def __init__(self, app: ASGIApp, sizes: RequestSizes) -> None:
        self.app = app
        self.sizes = sizes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            check_head(scope, self.sizes)
        except Refused as refused:
            return await refused.send(scope, send)
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited(receive, self.sizes), tracked_send)
        except Refused as refused:
            if started:
                raise
            await refused.send(scope, send)


def check_head(scope: Scope, sizes: RequestSizes) -> None:
    """`Refused` when the request line and headers, or the body's declared length, are over
    the limits."""
    head = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
    head += sum(len(name) + len(value) for name, value in scope["headers"])
    if head > sizes.max_header_bytes:
        raise Refused(
            431,
            HEADERS_TOO_LARGE,
            f"the request's headers and URL are {head} bytes, over the limit of "
            f"{sizes.max_header_bytes}",
        )
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > sizes.max_body_bytes:
            raise Refused(413, REQUEST_TOO_LARGE, _too_large(int(value), sizes))


def limited(receive: Receive, sizes: RequestSizes) -> Receive:
    """`receive`, raising `Refused` when the body grows over its limit or is not in on time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + sizes.body_timeout
    received = 0
    complete = False

    async def limited_receive() -> Message:
        nonlocal received, complete
        if complete:  # after the body, only a disconnect is waited for: no deadline
            return await receive()
        alarm = Alarm(deadline)
        try:
            message = await receive()
        except asyncio.CancelledError:
            if not alarm.expired():
                raise
            raise Refused(
                408,
                REQUEST_TIMEOUT,
                f"the request body did not arrive within {sizes.body_timeout:g} s",
            ) from None
        finally:
            alarm.stop()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            complete = not message.get("more_body", False)
            if received > sizes.max_body_bytes:
                raise Refused(413, REQUEST_TOO_LARGE, _too_large(received, sizes))
        return message

    return limited_receive


def _too_large(size: int, sizes: RequestSizes) -> str:
    return f"the request body is {size} bytes or more, over the limit of {sizes.max_body_bytes}"


def check_query_text(query: str, max_bytes: int) -> None:
    """`RequestError` (413) when GraphQL query text is longer than `max_bytes`."""
    size = len(query.encode())
    if size > max_bytes:
        message = f"the query text is {size} bytes, over the limit of {max_bytes}"
        raise RequestError(413, REQUEST_TOO_LARGE, message)
