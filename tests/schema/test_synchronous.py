"""Which parts of a schema need the event loop (and keep execution on it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import strawberry
from strawberry.extensions import SchemaExtension

from newsgraph.engine.model import Article
from newsgraph.schema.build import build_schema
from newsgraph.schema.extend import ArticleField, SchemaAddition
from newsgraph.schema.synchronous import async_parts


@strawberry.type
class Clock:
    @strawberry.field
    async def now(self) -> str:
        return "now"

    @strawberry.field
    def today(self) -> str:
        return "today"


class Audit(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield


class Count(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        yield


async def word_count(article: Article) -> int:
    return len(article.title.split())


def test_the_core_schema_runs_synchronously() -> None:
    # Its subscriptions are async generators, but never run by a query's execution.
    assert async_parts(build_schema()) == []


def test_async_resolvers_and_hooks_are_named() -> None:
    additions = [
        ("clock", SchemaAddition(query=Clock, extensions=[Audit, Count])),
        ("words", SchemaAddition(article_fields=[ArticleField("words", "Int", word_count)])),
    ]
    assert sorted(async_parts(build_schema(additions=additions))) == [
        "Article.words",
        "Audit.on_execute",
        "Query.now",
    ]


def test_synchronous_plugin_parts_keep_the_schema_synchronous() -> None:
    count = ArticleField("words", "Int", lambda article: len(article.title.split()))
    addition = SchemaAddition(article_fields=[count], extensions=[Count])
    assert async_parts(build_schema(additions=[("words", addition)])) == []
