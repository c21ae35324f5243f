"""Size and time limits on a request before anything reads it: headers (431), a body's size
(413, refused from its Content-Length when it declares one) and the time its body may take
to arrive (408); and the length of GraphQL query text (413). Every refusal is a JSON GraphQL
error."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class RequestLimits:
    """ASGI middleware enforcing `RequestSizes` on every HTTP request."""

    def __init__(self, app: ASGIApp, sizes: RequestSizes) -> None:
        self.app = app
        self.sizes = sizes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            self._check_head(scope)
        except _Refused as refused:
            return await send_refusal(scope, send, refused.status, refused.code, refused.message)
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._limited(receive), tracked_send)
        except _Refused as refused:
            if started:
                raise
            await send_refusal(scope, send, refused.status, refused.code, refused.message)

    def _check_head(self, scope: Scope) -> None:
        sizes = self.sizes
        head = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
        head += sum(len(name) + len(value) for name, value in scope["headers"])
        if head > sizes.max_header_bytes:
            raise _Refused(
                431,
                HEADERS_TOO_LARGE,
                f"the request's headers and URL are {head} bytes, over the limit of "
                f"{sizes.max_header_bytes}",
            )
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > sizes.max_body_bytes:
                raise _Refused(413, REQUEST_TOO_LARGE, self._too_large(int(value)))

    def _too_large(self, size: int) -> str:
        return f"the request body is {size} bytes or more, over the limit of " + str(
            self.sizes.max_body_bytes
        )

    def _limited(self, receive: Receive) -> Receive:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.sizes.body_timeout
        received = 0
        complete = False

        async def limited() -> Message:
            nonlocal received, complete
            if complete:  # after the body, only a disconnect is waited for: no deadline
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _Refused(
                    408,
                    REQUEST_TIMEOUT,
                    f"the request body did not arrive within {self.sizes.body_timeout:g} s",
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.sizes.max_body_bytes:
                    raise _Refused(413, REQUEST_TOO_LARGE, self._too_large(received))
            return message

        return limited


def check_query_text(query: str, max_bytes: int) -> None:
    """`RequestError` (413) when GraphQL query text is longer than `max_bytes`."""
    size = len(query.encode())
    if size > max_bytes:
        message = f"the query text is {size} bytes, over the limit of {max_bytes}"
        raise RequestError(413, REQUEST_TOO_LARGE, message)
