"""The caps on a query document that guard a public endpoint."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError, OperationDefinitionNode

from newsgraph.schema.cost import Measure, refusal


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on a query document; anything past them is refused with a coded GraphQL error."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 50_000  # estimated fields in an answer (docs/hardening.md: the cost model)
    introspection: bool = True  # False refuses `__schema` and `__type` (NoIntrospection)


DEFAULT_LIMITS = Limits()


def refusal_by(
    limits: Limits, found: Measure, operation: OperationDefinitionNode
) -> GraphQLError | None:
    """The coded error for an operation past one of `limits`, or None."""
    return refusal(
        found,
        operation,
        max_cost=limits.max_cost,
        max_depth=limits.max_depth,
        max_aliases=limits.max_aliases,
    )
