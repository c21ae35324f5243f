"""The GraphQL object types. Their root values are the content model's own objects.

Plain fields are read from the model by attribute name; computed fields take the model object
through `strawberry.Parent`, and the catalog through the request context.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

import strawberry
from strawberry.types import Info

from newsgraph.engine import model
from newsgraph.engine.catalog import TopicEntry
from newsgraph.engine.selection import MAX_PAGE_SIZE, ArticleFilter, Facets, Selection, Visibility
from newsgraph.engine.similar import similar
from newsgraph.engine.urls import UrlPreference as UrlPreferenceValue
from newsgraph.schema.deadline import check_deadline
from newsgraph.schema.fields import field
from newsgraph.schema.inputs import ArticleFilterInput, ArticleSort, narrowed, to_filter, to_orders
from newsgraph.schema.node import (
    Node,
    article_id,
    provider_id,
    related_id,
    represents,
    topic_id,
)

if TYPE_CHECKING:
    from newsgraph.schema.context import Context

UrlPreference = strawberry.enum(
    UrlPreferenceValue,
    description="Which URL to return; each falls back along the chain to the canonical URL.",
)


def _context(info: Info) -> Context:
    return cast("Context", info.context)


@strawberry.type(description="An image of an article or a provider.")
class Image:
    url: str
    width: int | None
    height: int | None
    is_cached: bool | None
    title: str | None
    attribution: str | None


@strawberry.type(description="A publisher, identified by its domain.")
class Provider(Node):
    is_type_of = represents(model.Provider)

    @field()
    def id(self, parent: strawberry.Parent[model.Provider]) -> strawberry.ID:
        return provider_id(parent)

    name: str
    domain: str

    @field(graphql_type=list[Image])
    def images(self, parent: strawberry.Parent[model.Provider]) -> tuple[model.Image, ...]:
        return parent.images

    @field("Visible articles from this provider.")
    def article_count(self, parent: strawberry.Parent[model.Provider], info: Info) -> int:
        entry = _context(info).catalog.provider(parent.domain)
        return 0 if entry is None else len(entry.positions)

    @field(
        "This provider's articles, newest first unless sorted otherwise.",
        graphql_type="ArticleConnection",
    )
    def articles(
        self,
        parent: strawberry.Parent[model.Provider],
        info: Info,
        filter: ArticleFilterInput | None = None,
        sort: list[ArticleSort] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        page: int | None = None,
    ) -> Connection:
        where = narrowed(to_filter(filter), provider=parent.domain)
        return connection(info, where, sort, first, after, last, before, page)


@strawberry.type(description="A topic: from the taxonomy, or named on articles only.")
class Topic(Node):
    is_type_of = represents(TopicEntry)

    @field()
    def id(self, parent: strawberry.Parent[TopicEntry]) -> strawberry.ID:
        return topic_id(parent)

    @field("The topic's slug, e.g. `computer-vision` (`id` is built from it).")
    def slug(self, parent: strawberry.Parent[TopicEntry]) -> str:
        return parent.topic.id

    @strawberry.field
    def name(self, parent: strawberry.Parent[TopicEntry]) -> str:
        return parent.topic.name

    @strawberry.field
    def shortname(self, parent: strawberry.Parent[TopicEntry]) -> str | None:
        return parent.topic.shortname

    @strawberry.field
    def keywords(self, parent: strawberry.Parent[TopicEntry]) -> list[str]:
        return list(parent.topic.keywords)

    @field("False for topics that appear on articles but not in the taxonomy.")
    def in_taxonomy(self, parent: strawberry.Parent[TopicEntry]) -> bool:
        return parent.topic.in_taxonomy

    @field("The parent topic in the taxonomy, if any.", graphql_type="Topic | None")
    def parent(self, parent: strawberry.Parent[TopicEntry], info: Info) -> TopicEntry | None:
        return _context(info).catalog.parent(parent)

    @field("The topics whose parent this is.", graphql_type="list[Topic]")
    def children(self, parent: strawberry.Parent[TopicEntry], info: Info) -> list[TopicEntry]:
        return _context(info).catalog.children(parent)

    @field("Articles carrying this topic itself (not counting subtopics).")
    def article_count(self, parent: strawberry.Parent[TopicEntry]) -> int:
        return len(parent.positions)

    @field(
        "This topic's articles, newest first unless sorted otherwise; "
        "`filter.topics.includeSubtopics` also takes in its subtopics'.",
        graphql_type="ArticleConnection",
    )
    def articles(
        self,
        parent: strawberry.Parent[TopicEntry],
        info: Info,
        filter: ArticleFilterInput | None = None,
        sort: list[ArticleSort] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        page: int | None = None,
    ) -> Connection:
        where = narrowed(to_filter(filter), topic=parent.topic.name)
        return connection(info, where, sort, first, after, last, before, page)


@strawberry.type(description="Fields shared by everything that has a story's URLs.")
class Linked:
    @field(
        "The preferred URL: CANONICAL = webUrl → originalUrl; AMP = ampWebUrl → canonical; "
        "AMP_CACHE = cdnAmpWebUrl → ampWebUrl → canonical."
    )
    def url(
        self,
        parent: strawberry.Parent[model.Article | model.Related],
        info: Info,
        prefer: UrlPreference = UrlPreferenceValue.CANONICAL,  # type: ignore[valid-type]
    ) -> str:
        return _context(info).select_url(parent.links, prefer, parent)

    @strawberry.field
    def web_url(self, parent: strawberry.Parent[model.Article | model.Related]) -> str | None:
        return parent.links.web_url

    @strawberry.field
    def original_url(self, parent: strawberry.Parent[model.Article | model.Related]) -> str | None:
        return parent.links.original_url

    @strawberry.field
    def amp_web_url(self, parent: strawberry.Parent[model.Article | model.Related]) -> str | None:
        return parent.links.amp_web_url

    @strawberry.field
    def cdn_amp_web_url(
        self, parent: strawberry.Parent[model.Article | model.Related]
    ) -> str | None:
        return parent.links.cdn_amp_web_url


@strawberry.type(description="A story an article declares as related.")
class Related(Linked, Node):
    is_type_of = represents(model.Related)

    @field(
        "This story as the article declaring it tells it: two articles naming one story "
        "give it two ids."
    )
    def id(self, parent: strawberry.Parent[model.Related]) -> strawberry.ID:
        return related_id(parent)

    title: str
    excerpt: str | None
    published_date_time: datetime | None
    type: str | None
    quality: int | None
    heat: int | None

    @field(graphql_type=Provider | None)
    def provider(self, parent: strawberry.Parent[model.Related]) -> model.Provider | None:
        return parent.provider

    @field(graphql_type=list[Image])
    def images(self, parent: strawberry.Parent[model.Related]) -> tuple[model.Image, ...]:
        return parent.images

    @field("The catalog's article for this story, when it has one.", graphql_type="Article | None")
    def article(self, parent: strawberry.Parent[model.Related], info: Info) -> model.Article | None:
        catalog = _context(info).catalog
        for url in (parent.links.web_url, parent.links.original_url, parent.links.amp_web_url):
            if url and (found := catalog.article_by_url(url)) is not None:
                return found
        return None


@strawberry.type(description="A news article. Only published articles are visible.")
class Article(Linked, Node):
    is_type_of = represents(model.Article)

    @field()
    def id(self, parent: strawberry.Parent[model.Article]) -> strawberry.ID:
        return article_id(parent)

    @field("The article's own key: 16 hex digits from its canonical URL (`id` is built from it).")
    def article_id(self, parent: strawberry.Parent[model.Article]) -> str:
        return parent.id

    title: str
    excerpt: str | None
    category: str | None
    type: str = strawberry.field(description="`article`, `video`, ...")
    published_date_time: datetime = strawberry.field(description="Always in UTC.")
    quality: int | None
    heat: int | None
    published: bool
    featured_content: str | None = strawberry.field(description="Embeddable HTML, e.g. a video.")
    source: str = strawberry.field(description="The name of the source the article came from.")

    @field(graphql_type=Provider)
    def provider(self, parent: strawberry.Parent[model.Article]) -> model.Provider:
        return parent.provider

    @field(graphql_type=list[Image])
    def images(self, parent: strawberry.Parent[model.Article]) -> tuple[model.Image, ...]:
        return parent.images

    @field(graphql_type=list[Related])
    def related(self, parent: strawberry.Parent[model.Article]) -> tuple[model.Related, ...]:
        return parent.related

    @field(graphql_type=list[Topic])
    def topics(self, parent: strawberry.Parent[model.Article], info: Info) -> list[TopicEntry]:
        catalog = _context(info).catalog
        return [entry for name in parent.topics if (entry := catalog.topic(name=name))]

    @field(
        "Articles like this one, best first: shared topics, provider, time and wording.",
        graphql_type="list[SimilarArticle]",
    )
    def similar(
        self, parent: strawberry.Parent[model.Article], info: Info, first: int = 5
    ) -> list[Similar]:
        if not 0 <= first <= MAX_PAGE_SIZE:
            raise ValueError(f"first must be between 0 and {MAX_PAGE_SIZE}, got {first}")
        check_deadline()  # the costly fields stop a request whose time is up
        found = similar(_context(info).catalog, parent, first)
        return [Similar(article, score) for article, score in found]


@dataclass(frozen=True, slots=True)
class Similar:
    article: model.Article
    score: float


@strawberry.type(description="An article similar to another, with how similar (0 to 1).")
class SimilarArticle:
    score: float

    @field(graphql_type=Article)
    def article(self, parent: strawberry.Parent[Similar]) -> model.Article:
        return parent.article


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass(frozen=True, slots=True)
class Edge:
    node: model.Article
    selection: Selection
    search: str | None


@dataclass(frozen=True, slots=True)
class Edges:
    """A page's edges, each made only when read. Within one catalog snapshot an edge's
    fields depend on its article, the selection's order and the search only (the cursor on
    the article and order, score and snippet on the search), which lets the direct executor
    serialise a page from the articles without making an edge at all."""

    articles: list[model.Article]
    selection: Selection
    search: str | None

    def __iter__(self) -> Iterator[Edge]:
        return (Edge(article, self.selection, self.search) for article in self.articles)

    def __len__(self) -> int:
        return len(self.articles)


@strawberry.type(description="An article in a connection, with its cursor.")
class ArticleEdge:
    @strawberry.field
    def cursor(self, parent: strawberry.Parent[Edge]) -> str:
        return parent.selection.cursor(parent.node)

    @field(graphql_type=Article)
    def node(self, parent: strawberry.Parent[Edge]) -> model.Article:
        return parent.node

    @field("The search relevance (higher is better); null without a search.")
    def score(self, parent: strawberry.Parent[Edge]) -> float | None:
        scores = parent.selection.scores
        return None if scores is None else scores.get(parent.node.id)

    @field(
        "A few words around the search hits, HTML-escaped, hits in `<mark>`; null without a search."
    )
    def snippet(self, parent: strawberry.Parent[Edge], info: Info) -> str | None:
        if parent.search is None:
            return None
        return _context(info).catalog.snippet(parent.search, parent.node.id)


@strawberry.type(description="How many of the matching articles have one value.")
class FacetCount:
    value: str
    count: int


def _counts(pairs: list[tuple[str, int]]) -> list[FacetCount]:
    return [FacetCount(value=value, count=count) for value, count in pairs]


@strawberry.type(
    description="Counts over every matching article (not only this page), most frequent "
    "first. Provider, type and month counts each sum to `totalCount`; an article counts once "
    "for each of its topics."
)
class ArticleFacets:
    @field(graphql_type=list[FacetCount])
    def topics(self, parent: strawberry.Parent[Facets]) -> list[FacetCount]:
        return _counts(parent.topics)

    @field("By provider domain.", graphql_type=list[FacetCount])
    def providers(self, parent: strawberry.Parent[Facets]) -> list[FacetCount]:
        return _counts(parent.providers)

    @field(graphql_type=list[FacetCount])
    def types(self, parent: strawberry.Parent[Facets]) -> list[FacetCount]:
        return _counts(parent.types)

    @field("By publication month in UTC, `YYYY-MM`.", graphql_type=list[FacetCount])
    def months(self, parent: strawberry.Parent[Facets]) -> list[FacetCount]:
        return _counts(parent.months)


@dataclass(slots=True)
class Connection:
    """The root value of an `ArticleConnection`: one page, and the selection it came from."""

    selection: Selection
    edges: Edges
    page_info: PageInfo


@strawberry.type(description="A page of articles (a Relay connection).")
class ArticleConnection:
    @field(graphql_type=list[ArticleEdge])
    def edges(self, parent: strawberry.Parent[Connection]) -> Edges:
        return parent.edges

    @field(graphql_type=PageInfo)
    def page_info(self, parent: strawberry.Parent[Connection]) -> PageInfo:
        return parent.page_info

    @field("How many articles match, over all pages.")
    def total_count(self, parent: strawberry.Parent[Connection]) -> int:
        return parent.selection.count()

    @field(graphql_type=ArticleFacets)
    def facets(self, parent: strawberry.Parent[Connection]) -> Facets:
        return parent.selection.facets()


def connection(
    info: Info,
    where: ArticleFilter,
    sort: list[ArticleSort] | None,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    page: int | None = None,
) -> Connection:
    """One page of the articles matching `where`, in the requested order."""
    check_deadline()
    context = _context(info)
    if where.visibility is not Visibility.PUBLISHED and not context.preview:
        raise ValueError("drafts are visible only to requests carrying the preview credential")
    selection = context.catalog.select(where, to_orders(sort))
    found = selection.page(first, after, last, before, page)
    edges = Edges(found.articles, selection, where.search)
    page_info = PageInfo(
        has_next_page=found.has_next,
        has_previous_page=found.has_previous,
        start_cursor=selection.cursor(found.articles[0]) if found.articles else None,
        end_cursor=selection.cursor(found.articles[-1]) if found.articles else None,
    )
    return Connection(selection, edges, page_info)
