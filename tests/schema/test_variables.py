"""A plan's variables are coerced as graphql-core coerces them, whatever the inputs."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, OperationDefinitionNode, parse
from graphql.execution import get_variable_values
from graphql.execution.values import VariableValues

from newsgraph.schema.build import build_schema
from newsgraph.schema.variables import PlanVariables

SCHEMA = build_schema()._schema
LEAVES = """query($after: String, $n: Int!, $prefer: UrlPreference! = AMP, $id: ID,
    $when: DateTime) { __typename }"""
NESTED = """query($filter: ArticleFilter, $sort: [ArticleSort!], $n: Int) { __typename }"""
INPUTS: list[dict[str, Any]] = [
    {"n": 3},
    {"n": 3, "after": "abc", "prefer": "CANONICAL", "id": 7, "when": "2024-01-02T03:04:05Z"},
    {"n": 3, "after": None, "id": None, "when": None},
    {"n": None},
    {},
    {"n": "three"},
    {"n": 2**31},
    {"n": 1.0},
    {"n": 3, "prefer": "NOPE"},
    {"n": 3, "prefer": None},
    {"n": 3, "after": 5},
    {"n": 3, "when": "yesterday"},
    {"n": 3, "filter": {"search": "x"}, "sort": [{"field": "TITLE"}]},
    {"n": 3, "filter": {"nope": 1}},
]


def described(found: VariableValues | list[GraphQLError]) -> Any:
    if isinstance(found, list):
        return [error.message for error in found]
    sources = {
        name: (source.signature.name, str(source.signature.type), source.value)
        for name, source in found.sources.items()
    }
    return sources, found.coerced


@pytest.mark.parametrize("document", [LEAVES, NESTED])
@pytest.mark.parametrize("inputs", INPUTS)
def test_variables_coerce_as_graphql_core_coerces_them(
    document: str, inputs: dict[str, Any]
) -> None:
    (operation,) = parse(document).definitions
    assert isinstance(operation, OperationDefinitionNode)
    definitions = operation.variable_definitions
    expected = get_variable_values(SCHEMA, definitions, inputs)
    assert described(PlanVariables(SCHEMA, definitions).coerce(inputs)) == described(expected)
