"""Call an ASGI app in this process, as a server would, without a network or an HTTP client.

Each request is a hand-built HTTP scope handed straight to the app, so everything the app does
per request (routing, middleware, the GraphQL endpoint and any fast path inside it) is measured,
and nothing else is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from starlette.applications import Starlette
from starlette.types import Message

from bench.queries import Variables


class AsgiClient:
    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST a JSON body; returns the status and the whole response body."""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"bench"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 0
        chunks: list[bytes] = []

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)

    async def graphql(self, document: str, variables: Variables) -> bytes:
        status, body = await self.post(
            "/graphql", orjson.dumps({"query": document, "variables": variables})
        )
        if status != 200:
            raise RuntimeError(f"POST /graphql answered {status}: {body[:300]!r}")
        return body


@asynccontextmanager
async def started(app: Starlette) -> AsyncIterator[AsgiClient]:
    """The app with its lifespan (start-up: sources load; shutdown) run around the block."""
    async with app.router.lifespan_context(app):
        yield AsgiClient(app)
