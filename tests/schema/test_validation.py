"""A literal that does not fit its type is refused with the argument and field it was given for."""

from __future__ import annotations

import pytest

from newsgraph.schema.build import build_schema

SCHEMA = build_schema()


@pytest.mark.parametrize(
    ("query", "start"),
    [
        ('{ articles(first: "ten") { totalCount } }', "first: Int cannot represent"),
        (
            '{ articles(filter: {topics: {anyOf: ["AI"]}, until: "2024"}) { totalCount } }',
            "filter.until: Expected value of type 'DateTime'",
        ),
        (
            "{ articles(sort: [{field: TITLE}, {field: NAME}]) { totalCount } }",
            "sort[1].field: Value 'NAME' does not exist",
        ),
        (
            '{ articles(filter: {publishedOn: {max: "2024-06-31"}}) { totalCount } }',
            "filter.publishedOn.max: Expected value of type 'Date'",
        ),
    ],
)
def test_the_message_starts_with_where_the_value_was_given(query: str, start: str) -> None:
    result = SCHEMA.execute_sync(query)
    assert result.data is None
    (error,) = result.errors or []
    assert error.message.startswith(start), error.message


def test_a_variable_is_named_by_graphql_core_itself() -> None:
    query = "query($until: DateTime) { articles(filter: {until: $until}) { totalCount } }"
    result = SCHEMA.execute_sync(query, variable_values={"until": "2024-06-10T08:45:00"})
    (error,) = result.errors or []
    assert error.message.startswith("Variable '$until' has invalid value")
    assert "UTC offset is mandatory" in error.message
