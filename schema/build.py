"""Build the Strawberry schema, with the limits that guard a public endpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from schema.query import Query

SDL_PATH = Path(__file__).with_name("schema.graphql")


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on a query document; anything past them is refused with a GraphQL error."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000


def build_schema(limits: Limits = Limits()) -> strawberry.Schema:
    # Factories: Strawberry builds fresh extensions per request; the two caches live at
    # module level, so they are shared all the same.
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    return strawberry.Schema(query=Query, extensions=extensions)


def sdl() -> str:
    """The schema in GraphQL SDL, as committed in `schema/schema.graphql`."""
    return build_schema().as_str() + "\n"
