"""Every GraphQL error gets an `extensions.code` saying what went wrong, by the phase it came
from: parsing, validation, variable coercion, or a field. Apollo Server's names where one
fits, our own for the query limits; docs/user-guide.md has the table.

A resolver's `ValueError` (the engine's `CursorError`, `SearchError`... are ValueErrors) is the
client's mistake and keeps its message; any other exception is ours, coded
`INTERNAL_SERVER_ERROR`, and the HTTP layer masks it. Logging is left to whoever answers the
request, so each error is reported once, at the level it deserves.
"""

from __future__ import annotations

import re

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.types import ExecutionContext

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
MAX_DEPTH_EXCEEDED = "MAX_DEPTH_EXCEEDED"
MAX_ALIASES_EXCEEDED = "MAX_ALIASES_EXCEEDED"
MAX_TOKENS_EXCEEDED = "MAX_TOKENS_EXCEEDED"

# Strawberry's limiters and graphql-core's token cap report plain errors; their messages are
# all that tells them apart (tests/schema/test_errors.py pins each one).
_LIMITS = (
    (re.compile(r"exceeds maximum operation depth of \d+"), MAX_DEPTH_EXCEEDED),
    (re.compile(r"^\d+ aliases found\. Allowed: \d+"), MAX_ALIASES_EXCEEDED),
    (re.compile(r"Document contains more than \d+ (lexical )?tokens"), MAX_TOKENS_EXCEEDED),
)


def error_code(error: GraphQLError, phase: ExecutionContext | None) -> str:
    """The code for an error raised while `phase` (Strawberry's execution context) ran."""
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError | ValueError):
        return INTERNAL_SERVER_ERROR
    for pattern, code in _LIMITS:
        if pattern.search(error.message):
            return code
    if isinstance(error, GraphQLSyntaxError):
        return PARSE_FAILED
    if error.path is not None:  # a field's error: only a field has a path
        return BAD_USER_INPUT if isinstance(original, ValueError) else INTERNAL_SERVER_ERROR
    if phase is not None and phase.graphql_document is None:
        return PARSE_FAILED
    if phase is None or phase.result is None:
        return VALIDATION_FAILED
    return BAD_USER_INPUT  # before any field ran, once validated: the variables' values


class CodedSchema(strawberry.Schema):
    """A Strawberry schema whose errors carry `extensions.code` and are not logged here."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            # An error a resolver raised with a code of its own keeps it.
            if error.extensions is None:
                error.extensions = {}
            if "code" not in error.extensions:
                error.extensions["code"] = error_code(error, execution_context)
