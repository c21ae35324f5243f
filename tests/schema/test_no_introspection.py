"""`Limits(introspection=False)`: `__schema` and `__type` are refused with a coded error."""

from __future__ import annotations

import pytest

from newsgraph.schema.build import build_schema
from newsgraph.schema.limits import Limits
from newsgraph.schema.no_introspection import CODE

CLOSED = build_schema(Limits(introspection=False))


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { name } } }",
        '{ __type(name: "Article") { fields { name } } }',
        "query Sneaky { ...F } fragment F on Query { __schema { queryType { name } } }",
    ],
)
def test_introspection_is_refused_with_a_code(query: str) -> None:
    result = CLOSED.execute_sync(query)
    assert result.data is None and result.errors
    [error] = result.errors
    assert error.extensions == {"code": CODE}
    assert "Introspection is turned off" in error.message


def test_typename_is_not_introspection() -> None:
    assert CLOSED.execute_sync("{ __typename }").data == {"__typename": "Query"}


def test_introspection_is_on_by_default() -> None:
    result = build_schema().execute_sync("{ __schema { queryType { name } } }")
    assert result.errors is None
    assert result.data == {"__schema": {"queryType": {"name": "Query"}}}
