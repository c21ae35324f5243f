"""The root `Query` type: articles, topics and providers of the current catalog."""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.types import Info

from newsgraph.engine import model
from newsgraph.engine.catalog import TopicEntry
from newsgraph.engine.selection import MAX_PAGE_SIZE
from newsgraph.schema.context import Context
from newsgraph.schema.fields import field
from newsgraph.schema.inputs import ArticleFilterInput, ArticleSort, narrowed, to_filter
from newsgraph.schema.node import Node, find, key_of
from newsgraph.schema.snapshot import SnapshotInfo
from newsgraph.schema.types import (
    Article,
    ArticleConnection,
    Connection,
    Provider,
    Topic,
    connection,
)


def _catalog(info: Info) -> Context:
    return cast(Context, info.context)


@strawberry.type
class Query:
    @field(
        "The object with this global id; null when there is none (any more).",
        graphql_type=Node | None,
    )
    def node(self, info: Info, id: strawberry.ID) -> object | None:
        return find(_catalog(info).catalog, id)

    @field(
        f"The objects with these global ids (at most {MAX_PAGE_SIZE}), in order; null for "
        "each that is gone.",
        graphql_type=list[Node | None],
    )
    def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[object | None]:
        if len(ids) > MAX_PAGE_SIZE:
            raise ValueError(f"nodes takes at most {MAX_PAGE_SIZE} ids, got {len(ids)}")
        catalog = _catalog(info).catalog
        return [find(catalog, id) for id in ids]

    @field(
        "One visible article, by its id (or its `articleId`) or by any of its URLs.",
        graphql_type=Article | None,
    )
    def article(
        self, info: Info, id: strawberry.ID | None = None, url: str | None = None
    ) -> model.Article | None:
        if (id is None) == (url is None):
            raise ValueError("article needs exactly one of id or url")
        catalog = _catalog(info).catalog
        if id is not None:
            return catalog.article(key_of(id, "Article"))
        return catalog.article_by_url(url or "")

    @field(
        "Articles matching `topic` (a name or id) and every condition of `filter`: newest "
        "first, or by relevance when searching, unless `sort` says otherwise. Page forward "
        "with `first`/`after`, backward with `last`/`before` (at most 100; 25 by default; "
        "both `first` and `last`: the last of the first, as Relay says), or jump to page "
        "number `page` (1-based, of `first` articles; at most 10,000).",
        graphql_type=ArticleConnection,
    )
    def articles(
        self,
        info: Info,
        topic: str | None = None,
        filter: ArticleFilterInput | None = None,
        sort: list[ArticleSort] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        page: int | None = None,
    ) -> Connection:
        where = narrowed(to_filter(filter), topic=topic)
        return connection(info, where, sort, first, after, last, before, page)

    @field("Every topic: the taxonomy's and those named on articles.", graphql_type=list[Topic])
    def topics(self, info: Info) -> list[TopicEntry]:
        return _catalog(info).catalog.topics()

    @field("One topic, by id (or slug) or name, case-insensitive.", graphql_type=Topic | None)
    def topic(
        self, info: Info, id: strawberry.ID | None = None, name: str | None = None
    ) -> TopicEntry | None:
        if (id is None) == (name is None):
            raise ValueError("topic needs exactly one of id or name")
        slug = None if id is None else key_of(id, "Topic")
        return _catalog(info).catalog.topic(id=slug, name=name)

    @field("Every provider with visible articles, by domain.", graphql_type=list[Provider])
    def providers(self, info: Info) -> list[model.Provider]:
        return [entry.provider for entry in _catalog(info).catalog.providers()]

    @field("One provider, by domain.", graphql_type=Provider | None)
    def provider(self, info: Info, domain: str) -> model.Provider | None:
        entry = _catalog(info).catalog.provider(domain)
        return None if entry is None else entry.provider

    @field(
        "The snapshot of the content that answers this request (null only where no server "
        "serves it, as in a plugin's own tests)."
    )
    def snapshot(self, info: Info) -> SnapshotInfo | None:
        served = _catalog(info).snapshot
        return None if served is None else SnapshotInfo.of(served)
