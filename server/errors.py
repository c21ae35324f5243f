"""GraphQL errors as the client sees them, and as the log sees them.

A client's mistake is answered with its message and code and logged, at most, as one DEBUG
line. Anything else is ours: the client gets "Internal server error" with an error id, and
the log gets the traceback once, under the same id, so a report can be matched to it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import Any

from graphql import GraphQLError

from newsgraph.schema.errors import INTERNAL_SERVER_ERROR
from newsgraph.server.refusals import REQUEST_TOO_LARGE

log = logging.getLogger("newsgraph.errors")

BAD_REQUEST = "BAD_REQUEST"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"

FormattedError = dict[str, Any]
# Refusals about the HTTP request itself keep their status whatever the client accepts; the
# others are GraphQL request errors, which legacy application/json clients get with a 200.
_HTTP_LEVEL = {
    BAD_REQUEST,
    NOT_ACCEPTABLE,
    UNSUPPORTED_MEDIA_TYPE,
    METHOD_NOT_ALLOWED,
    REQUEST_TOO_LARGE,
}


class RequestError(Exception):
    """A request that cannot run at all: answered with `status` and this one coded error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    @property
    def http_level(self) -> bool:
        return self.code in _HTTP_LEVEL

    def reported(self) -> FormattedError:
        """The error as the client sees it, logged as one DEBUG line."""
        log.debug("request refused: %s: %s", self.code, self.message)
        return {"message": self.message, "extensions": {"code": self.code}}


def internal_error(where: str, error: BaseException | None) -> FormattedError:
    """Log an unexpected failure once, with its traceback; the masked error for the client."""
    error_id = secrets.token_hex(6)
    log.error("internal error %s in %s", error_id, where, exc_info=error)
    return {
        "message": "Internal server error",
        "extensions": {"code": INTERNAL_SERVER_ERROR, "errorId": error_id},
    }


def formatted_errors(errors: Iterable[GraphQLError]) -> list[FormattedError]:
    """The `errors` entry of a response: coded, with our own failures masked. The client's
    mistakes in one request make one DEBUG line."""
    shown, mistakes = [], []
    for error in errors:
        code = (error.extensions or {}).get("code")
        if code == INTERNAL_SERVER_ERROR:
            masked = internal_error(f"field {_path(error)}", error.original_error or error)
            shown.append({**_located(error), **masked})
        else:
            mistakes.append(f"{code} at {_path(error)}: {error.message}")
            shown.append(dict(error.formatted))
    if mistakes:
        log.debug("client errors: %s", "; ".join(mistakes))
    return shown


def _located(error: GraphQLError) -> FormattedError:
    formatted = error.formatted
    return {key: formatted[key] for key in ("locations", "path") if key in formatted}


def _path(error: GraphQLError) -> str:
    return ".".join(map(str, error.path)) if error.path else "(document)"
