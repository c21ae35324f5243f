"""An HTTP response as the two ASGI messages that send it, made without Starlette's `Response`:
the GraphQL endpoint answers thousands of requests a second, and a `Response` object, its
header mapping and its call cost more than the answer from the response cache."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Send

RawHeaders = list[tuple[bytes, bytes]]
_NO_BODY = frozenset({204, 304})


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: RawHeaders
    body: bytes

    @classmethod
    def of(
        cls, status: int, body: bytes, media: str | None, headers: RawHeaders | None = None
    ) -> Reply:
        """A reply with Content-Length and Content-Type added after `headers`, as Starlette's
        `Response` adds them (none for a status without a body)."""
        raw = [] if headers is None else list(headers)
        if status >= 200 and status not in _NO_BODY:
            raw.append((b"content-length", str(len(body)).encode()))
        if media is not None:
            raw.append((b"content-type", media.encode()))
        return cls(status, raw, body)

    async def send(self, send: Send, head: bool = False) -> None:
        """Send it; to a HEAD request, with the headers (Content-Length too) of the GET."""
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"" if head else self.body})
