"""The cost, depth and alias limits as a Strawberry extension: an operation past either is refused
before any resolver runs, with the validation errors when there are any."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from newsgraph.schema.cost import Measure, measure, operation_of
from newsgraph.schema.limits import Limits, refusal_by

# A request asks for its cost with `"extensions": {"cost": true}` beside its query.
COST_REQUEST_KEY = "cost"


class CostLimiter(SchemaExtension):
    """Refuses an operation whose estimated cost, depth or aliases are past the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.measured: Measure | None = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = None if document is None else operation_of(document, context.operation_name)
        if document is not None and operation is not None:
            schema = context.schema._schema
            self.measured = measure(schema, document, operation, context.variables)
            error = refusal_by(self.limits, self.measured, operation)
            if error is not None:
                context.pre_execution_errors = [*(context.pre_execution_errors or ()), error]
        yield

    def get_results(self) -> dict[str, Any]:
        asked = (self.execution_context.operation_extensions or {}).get(COST_REQUEST_KEY)
        if asked is not True or self.measured is None:
            return {}
        return {"cost": {"estimated": self.measured.cost, "budget": self.limits.max_cost}}
