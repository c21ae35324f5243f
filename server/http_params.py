"""The GraphQL-over-HTTP request parameters: from a GET's query string or a POST's JSON body.

A request is identified by its key: the method class and the raw bytes that carry its
parameters. The response cache looks answers up by that key before anything is parsed, and
the parameters are parsed from the same bytes when it misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson

from newsgraph.server.errors import BAD_REQUEST, RequestError

GET = b"GET "
POST = b"POST "

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Params:
    query: str | None
    operation_name: str | None
    variables: dict[str, Any]
    extensions: dict[str, Any]
    document_id: str | None  # the persisted-documents proposal's `documentId`


_PARAMETERS = frozenset({"query", "operationName", "variables", "extensions", "documentId"})


def request_key(method: str, raw: bytes) -> bytes:
    """What identifies a request: GET (and HEAD) by its query string, POST by its body."""
    return (POST if method == "POST" else GET) + raw


def parse_params(key: bytes) -> Params:
    """The parameters in a request key; `RequestError` (400) when they are malformed."""
    if key.startswith(GET):
        fields: dict[str, object] = {}
        for name, value in _query_string(key[len(GET) :]):
            # Which of two queries was meant cannot be told; other parameters (a cache buster,
            # say) are not ours to refuse.
            if name in fields and name in _PARAMETERS:
                raise _bad(f"`{name}` is given more than once")
            fields[name] = value
        for name in ("variables", "extensions"):
            text = fields.get(name)
            fields[name] = _json(text, name) if isinstance(text, str) and text else None
    else:
        body = _json(key[len(POST) :], "request body")
        if isinstance(body, list):
            raise _bad("batched requests are not supported: send one operation per request")
        if not isinstance(body, dict):
            raise _bad("the request body must be a JSON object")
        fields = body
    query = _optional(fields, "query", str, "a string")
    operation_name = _optional(fields, "operationName", str, "a string")
    variables = _optional(fields, "variables", dict, "an object")
    extensions = _optional(fields, "extensions", dict, "an object")
    document_id = _optional(fields, "documentId", str, "a string")
    return Params(query, operation_name, variables or {}, extensions or {}, document_id)


def _query_string(raw: bytes) -> list[tuple[str, str]]:
    """The name-value pairs of a query string; invalid UTF-8, raw or percent-encoded, is
    refused rather than read as U+FFFD (a query that runs, but not the one sent)."""
    try:
        return parse_qsl(raw.decode(), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise _bad("the query string is not valid UTF-8 (once percent-decoded)") from None


def _optional(fields: dict[str, object], name: str, kind: type[_T], what: str) -> _T | None:
    value = fields.get(name)
    if value is None or isinstance(value, kind):
        return value
    raise _bad(f"`{name}` must be {what} or null")


def _json(text: str | bytes, what: str) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise _bad(f"{what} is not valid JSON: {error}") from None


def _bad(message: str) -> RequestError:
    return RequestError(400, BAD_REQUEST, message)
