"""A POST's body is read in full before the request takes a place in admission control, so
a client that trickles its body (bounded by `body_timeout`) waits outside, not in a slot
that GraphQL work needs."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyFirst:
    """ASGI middleware: reads the request body, then passes the request on with it intact."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        body = await read_body(receive)
        if body is not None:  # else the client went away before its body arrived
            await self.app(scope, replay(body, receive), send)


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when the client goes away before it is in."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """`receive` for an app that reads the body again: the body first, then `receive`."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
