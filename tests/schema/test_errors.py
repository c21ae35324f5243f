"""Every error the schema reports carries `extensions.code`, by the phase it came from; the
schema itself logs nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from graphql import GraphQLError

from newsgraph.engine.model import Article
from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.schema.extend import ArticleField, SchemaAddition


def _failing(error: Exception) -> Any:
    def resolve(article: Article) -> str:
        raise error

    return resolve


SCHEMA = build_schema(
    additions=[
        (
            "failing",
            SchemaAddition(
                article_fields=[
                    ArticleField("bug", "String", _failing(ZeroDivisionError("oops"))),
                    ArticleField("refused", "String", _failing(ValueError("not for you"))),
                    ArticleField(
                        "forbidden",
                        "String",
                        _failing(GraphQLError("no", extensions={"code": "FORBIDDEN"})),
                    ),
                ]
            ),
        )
    ]
)


CODES = [
    ("{ articles { ", {}, "GRAPHQL_PARSE_FAILED"),
    ("{ " + "__typename " * 2001 + "}", {}, "MAX_TOKENS_EXCEEDED"),
    ("{ nope }", {}, "GRAPHQL_VALIDATION_FAILED"),
    ('{ articles(first: "x") { totalCount } }', {}, "GRAPHQL_VALIDATION_FAILED"),
    ("{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }", {}, "MAX_ALIASES_EXCEEDED"),
    (
        "{ articles { edges { node { "
        + "related { article { " * 8
        + "id"
        + " } }" * 8
        + " } } } }",
        {},
        "MAX_DEPTH_EXCEEDED",
    ),
    ("query($n: Int!) { articles(first: $n) { totalCount } }", {}, "BAD_USER_INPUT"),
    ("query($n: Int) { articles(first: $n) { totalCount } }", {"n": 1.5}, "BAD_USER_INPUT"),
    ("{ articles(first: 500) { totalCount } }", {}, "BAD_USER_INPUT"),
    ('{ articles(before: "zzz") { totalCount } }', {}, "BAD_USER_INPUT"),
    ("{ articles(first: 1) { edges { node { refused } } } }", {}, "BAD_USER_INPUT"),
    ("{ articles(first: 1) { edges { node { bug } } } }", {}, "INTERNAL_SERVER_ERROR"),
    ("{ articles(first: 1) { edges { node { forbidden } } } }", {}, "FORBIDDEN"),
]


@pytest.mark.parametrize(("query", "variables", "code"), CODES)
def test_each_error_is_coded_by_its_phase(
    context: Context,
    query: str,
    variables: dict[str, object],
    code: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        result = asyncio.run(
            SCHEMA.execute(query, variable_values=variables, context_value=context)
        )
    assert result.errors
    assert {error.extensions["code"] for error in result.errors if error.extensions} == {code}
    # Logging is the caller's: the HTTP layer logs each error once.
    assert [r for r in caplog.records if r.name.startswith(("strawberry", "newsgraph"))] == []
