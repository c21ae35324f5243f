"""`strawberry.field` as a typed decorator, so that resolvers keep their signatures for mypy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

Resolver = TypeVar("Resolver", bound=Callable[..., Any])


def field(
    description: str | None = None, *, graphql_type: object = None
) -> Callable[[Resolver], Resolver]:
    """`strawberry.field` for a resolver; `graphql_type` when it returns model objects that
    stand for a GraphQL type."""
    return cast(
        Callable[[Resolver], Resolver],
        strawberry.field(graphql_type=graphql_type, description=description),
    )
