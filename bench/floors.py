"""The floors a 25-item page is held against: what the page costs without a GraphQL server.

- `DictPage`: the page built as dicts straight from the catalog's model objects and serialised
  with orjson: the least any server answering this query has to do.
- `GraphQLCorePage`: graphql-core executing the same document over plain dicts, with a minimal
  hand-written schema and the document parsed and validated once: the least any server built on
  graphql-core's executor has to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLSchema, build_schema, execute_sync, parse, validate

from bench.queries import PAGE, PAGE_SIZE, Variables
from newsgraph.engine.model import Article

FLOOR_SDL = """
scalar DateTime
enum UrlPreference { CANONICAL AMP AMP_CACHE }
type Image { url: String! width: Int height: Int }
type Provider { name: String! domain: String! images: [Image!]! }
type Topic { name: String! }
type Article {
  id: ID!
  title: String!
  url(prefer: UrlPreference! = CANONICAL): String!
  publishedDateTime: DateTime!
  excerpt: String
  provider: Provider!
  images: [Image!]!
  topics: [Topic!]!
}
type ArticleEdge { cursor: String! node: Article! }
type PageInfo { hasNextPage: Boolean! endCursor: String }
type ArticleConnection { totalCount: Int! edges: [ArticleEdge!]! pageInfo: PageInfo! }
type Query { articles(first: Int = 25, after: String): ArticleConnection! }
"""


def _connection(nodes: Sequence[Any], start: int, total: int) -> dict[str, object]:
    # Cursors of the floors are plain positions: decoding the server's own is not the floor's job.
    edges = [{"cursor": str(start + k), "node": node} for k, node in enumerate(nodes)]
    return {
        "totalCount": total,
        "edges": edges,
        "pageInfo": {
            "hasNextPage": start + len(nodes) < total,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _start(variables: Variables) -> int:
    after = variables.get("after")
    return 0 if after is None else int(str(after)) + 1


class DictPage:
    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = articles

    def __call__(self, variables: Variables) -> bytes:
        start = _start(variables)
        amp = variables.get("prefer", "AMP") != "CANONICAL"
        cards = [
            {
                "id": article.id,
                "title": article.title,
                "url": (amp and article.links.amp_web_url) or article.links.canonical,
                "publishedDateTime": article.published_date_time,
                "excerpt": article.excerpt,
                "provider": {
                    "name": article.provider.name,
                    "domain": article.provider.domain,
                    "images": [{"url": image.url} for image in article.provider.images],
                },
                "images": [
                    {"url": image.url, "width": image.width, "height": image.height}
                    for image in article.images
                ],
                "topics": [{"name": name} for name in article.topics],
            }
            for article in self.articles[start : start + PAGE_SIZE]
        ]
        return orjson.dumps({"data": {"articles": _connection(cards, start, len(self.articles))}})


def _plain(article: Article) -> dict[str, object]:
    provider = article.provider
    return {
        "id": article.id,
        "title": article.title,
        "canonical": article.links.canonical,
        "amp": article.links.amp_web_url,
        "publishedDateTime": article.published_date_time,
        "excerpt": article.excerpt,
        "provider": {
            "name": provider.name,
            "domain": provider.domain,
            "images": [{"url": image.url} for image in provider.images],
        },
        "images": [
            {"url": image.url, "width": image.width, "height": image.height}
            for image in article.images
        ],
        "topics": [{"name": name} for name in article.topics],
    }


def _url(source: Mapping[str, Any], info: object, prefer: str) -> str:
    amp: str | None = source["amp"]
    canonical: str = source["canonical"]
    return amp if prefer != "CANONICAL" and amp else canonical


def floor_schema(articles: Sequence[dict[str, object]]) -> GraphQLSchema:
    schema = build_schema(FLOOR_SDL)
    schema.type_map["DateTime"].serialize = datetime.isoformat  # type: ignore[attr-defined]
    schema.type_map["Article"].fields["url"].resolve = _url  # type: ignore[attr-defined]

    def articles_field(
        root: object, info: object, first: int = 25, after: str | None = None
    ) -> object:
        start = 0 if after is None else int(after) + 1
        return _connection(articles[start : start + first], start, len(articles))

    assert schema.query_type is not None
    schema.query_type.fields["articles"].resolve = articles_field
    return schema


class GraphQLCorePage:
    def __init__(self, articles: Sequence[Article]) -> None:
        self.schema = floor_schema([_plain(article) for article in articles])
        self.document = parse(PAGE)
        errors = validate(self.schema, self.document)
        if errors:
            raise ValueError(f"the floor schema rejects the page query: {errors[0].message}")

    def __call__(self, variables: Variables) -> bytes:
        result = execute_sync(self.schema, self.document, variable_values=variables)
        assert isinstance(result, ExecutionResult)
        if result.errors:
            raise ValueError(f"graphql-core floor: {result.errors[0].message}")
        return orjson.dumps({"data": result.data})
