"""What `/graphql` accepts before Strawberry sees it: a JSON body that decodes (UTF-8, nesting
within bounds) to an object, variables that decode too, and query text within its limit.
Anything else is a 400 (or 413) JSON GraphQL error here, never an exception further in."""

from __future__ import annotations

from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsgraph.server.refusals import BAD_REQUEST, REQUEST_TOO_LARGE, send_refusal

_JSON_TYPES = ("application/json", "application/graphql-response+json")


class _Malformed(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class RequestGuard:
    """ASGI middleware for the GraphQL endpoint: refuses malformed requests, passes the rest
    on with their body intact."""

    def __init__(self, app: ASGIApp, max_query_bytes: int) -> None:
        self.app = app
        self.max_query_bytes = max_query_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body: bytes | None = None
        try:
            if scope["method"] == "GET":
                self._check_query_string(scope.get("query_string", b""))
            elif scope["method"] == "POST" and _content_type(scope) in _JSON_TYPES:
                body = await _read_body(receive)
                self._check_json_body(body)
        except _Malformed as malformed:
            return await send_refusal(send, malformed.status, malformed.code, malformed.message)
        await self.app(scope, receive if body is None else _replay(body, receive), send)

    def _check_query_string(self, raw: bytes) -> None:
        params = dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
        self._check_query(params.get("query"))
        if "variables" in params:
            _decode(params["variables"].encode(), "the variables parameter")

    def _check_json_body(self, body: bytes) -> None:
        document = _decode(body, "the request body")
        if not isinstance(document, dict):
            raise _Malformed(
                400,
                BAD_REQUEST,
                f"the request body must be a JSON object with a `query`, got {_kind(document)}",
            )
        self._check_query(document.get("query"))
        variables = document.get("variables")
        if variables is not None and not isinstance(variables, dict):
            raise _Malformed(400, BAD_REQUEST, "`variables` must be a JSON object or null")

    def _check_query(self, query: object) -> None:
        if isinstance(query, str) and len(query.encode()) > self.max_query_bytes:
            raise _Malformed(
                413,
                REQUEST_TOO_LARGE,
                f"the query text is {len(query.encode())} bytes, over the limit of "
                f"{self.max_query_bytes}",
            )


def _decode(raw: bytes, what: str) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        # orjson's message names the problem (invalid UTF-8, nesting too deep, ...) and its
        # position, never the text itself.
        raise _Malformed(400, BAD_REQUEST, f"{what} is not valid JSON: {error}") from None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else "an array"


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";")[0].strip().lower()
    return ""


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Malformed(400, BAD_REQUEST, "the client went away before its body arrived")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
