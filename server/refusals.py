"""Refusals the server gives before GraphQL runs, shaped as GraphQL errors with a code, so a
client reads every answer the same way (docs/hardening.md lists the codes)."""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.responses import Response
from starlette.types import Scope, Send

from newsgraph.server.metrics import ERROR_CODE

REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
HEADERS_TOO_LARGE = "HEADERS_TOO_LARGE"
REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
OVERLOADED = "OVERLOADED"
RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
NOT_FOUND = "NOT_FOUND"


def refusal_body(code: str, message: str) -> bytes:
    """The JSON of a refusal: `{"errors": [{"message", "extensions": {"code"}}]}`."""
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


def refusal(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON GraphQL error response with `refusal_body(code, message)`."""
    body = refusal_body(code, message)
    return Response(body, status_code=status, headers=headers, media_type="application/json")


async def send_refusal(
    scope: Scope,
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send `refusal(...)` on a raw ASGI channel, asking to close the connection after it;
    the code is left where the request metrics read it."""
    response = refusal(status, code, message, {**(headers or {}), "connection": "close"})
    await send_made(scope, send, code, response)


async def send_made(scope: Scope, send: Send, code: str, response: Response) -> None:
    """Send a refusal made beforehand (one sent often, made once), its code left where the
    request metrics read it."""
    scope.setdefault("state", {})[ERROR_CODE] = code
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": list(response.raw_headers),
        }
    )
    await send({"type": "http.response.body", "body": response.body})


RETRY_AFTER_SECONDS = 1
# Made once: under overload the shed answer is the one sent most, and making it (a dict,
# orjson, Starlette's headers) cost as much as an answer from the response cache. The body is
# in (BodyFirst, or the entrance's read), so the connection stays open and a client's retry
# costs the server no new connection.
SHED = refusal(
    503,
    OVERLOADED,
    f"the server is busy; retry after {RETRY_AFTER_SECONDS} s",
    {"retry-after": str(RETRY_AFTER_SECONDS)},
)
