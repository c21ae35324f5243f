"""A plan's variables coerced per request, their definitions worked out once per plan.

graphql-core works out each variable's type from the document on every request. For the
variables that matter per request here (a cursor, a page size, a URL preference: scalars and
enums, given by the client), the type is looked up once and each value coerced by
graphql-core's own `coerce_input_value`, giving the `VariableValues` graphql-core would. Any
other case (a default to apply, a missing or invalid value, an input object or list) goes to
graphql-core's `get_variable_values` whole.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLNonNull,
    GraphQLSchema,
    Undefined,
    VariableDefinitionNode,
    coerce_input_value,
    is_leaf_type,
)
from graphql.execution import get_variable_signature, get_variable_values
from graphql.execution.values import VariableValues, VariableValueSource


class PlanVariables:
    """The variable definitions of one operation, with their signatures."""

    __slots__ = ("_schema", "_definitions", "_leaves")

    def __init__(
        self, schema: GraphQLSchema, definitions: Collection[VariableDefinitionNode]
    ) -> None:
        self._schema = schema
        self._definitions = definitions
        signatures = [get_variable_signature.get_variable_signature(schema, d) for d in definitions]
        leaves = [
            signature
            for signature in signatures
            if not isinstance(signature, GraphQLError)
            and is_leaf_type(
                signature.type.of_type
                if isinstance(signature.type, GraphQLNonNull)
                else signature.type
            )
        ]
        # Only when every variable is a leaf does the short way apply; leaves need no check
        # of how deeply a value nests.
        self._leaves = tuple(leaves) if len(leaves) == len(signatures) else None

    def coerce(self, inputs: dict[str, Any]) -> VariableValues | list[GraphQLError]:
        """What `get_variable_values` gives for these inputs."""
        if self._leaves is None:
            return get_variable_values(self._schema, self._definitions, inputs)
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, Any] = {}
        for signature, definition in zip(self._leaves, self._definitions, strict=True):
            name = signature.name
            value = inputs.get(name, Undefined)
            if value is Undefined:
                if definition.default_value or isinstance(signature.type, GraphQLNonNull):
                    return get_variable_values(self._schema, self._definitions, inputs)
                sources[name] = VariableValueSource(signature)
                continue
            found = coerce_input_value(value, signature.type)
            if found is Undefined:
                return get_variable_values(self._schema, self._definitions, inputs)
            sources[name] = VariableValueSource(signature, value)
            coerced[name] = found
        return VariableValues(sources, coerced)
