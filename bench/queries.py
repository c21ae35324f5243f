"""The GraphQL documents the benchmark sends, and the variables that make each call unique.

They are written against the query API of issue #5 (`filter`, `sort`, facets, search scores);
a document the running schema does not accept is reported as not in the schema, not run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from graphql import GraphQLSchema, parse, validate

from bench import synthetic

Variables = dict[str, object]
# Sends a document with its variables to a server; returns the response body.
Fetch = Callable[[str, Variables], Awaitable[bytes]]
PAGE_SIZE = 25

CARD = """
fragment Card on Article {
  id
  title
  url(prefer: $prefer)
  publishedDateTime
  excerpt
  provider { name domain images { url } }
  images { url width height }
  topics { name }
}
"""

PAGE = (
    """
query Page($after: String, $prefer: UrlPreference! = AMP) {
  articles(first: 25, after: $after) {
    totalCount
    edges { cursor node { ...Card } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + CARD
)

TOPIC = (
    """
query TopicPage($topic: String!, $after: String, $prefer: UrlPreference! = AMP) {
  articles(topic: $topic, first: 25, after: $after) {
    totalCount
    edges { cursor node { ...Card } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + CARD
)

FILTER = (
    """
query Filtered($topics: [String!], $until: DateTime, $quality: Int,
               $prefer: UrlPreference! = AMP) {
  articles(
    filter: {topics: {anyOf: $topics, includeSubtopics: true}, types: ["article"],
             until: $until, quality: {min: $quality}, hasAmp: false}
    first: 25
  ) {
    totalCount
    edges { cursor node { ...Card } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + CARD
)

SEARCH = (
    """
query Search($search: String!, $until: DateTime, $prefer: UrlPreference! = AMP) {
  articles(filter: {search: $search, until: $until}, sort: [{field: RELEVANCE}], first: 25) {
    totalCount
    edges { cursor score snippet node { ...Card } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
    + CARD
)

FACETS = """
query Facets($topics: [String!], $until: DateTime) {
  articles(filter: {topics: {anyOf: $topics}, until: $until}, first: 1) {
    totalCount
    facets {
      topics { value count }
      providers { value count }
      types { value count }
      months { value count }
    }
  }
}
"""

BY_ID = (
    """
query ById($id: ID!, $prefer: UrlPreference! = AMP) {
  article(id: $id) { ...Card }
}
"""
    + CARD
)

# Walking the newest-first list yields the cursors and ids that unique queries start from.
WALK = """
query Walk($after: String) {
  articles(first: 100, after: $after) {
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PREFERENCES = ("AMP", "CANONICAL", "AMP_CACHE")
ROOTS = tuple(sorted(synthetic.TAXONOMY))
TOPICS = tuple(
    name for root, subtopics in sorted(synthetic.TAXONOMY.items()) for name in (root, *subtopics)
)
SEARCH_TERMS = synthetic.search_terms(50)
# Upper date bounds spread over the corpus's years, newest first: each starts a page deeper.
_NEWEST = datetime.fromisoformat(synthetic.PUBLISHED[-1]).replace(tzinfo=UTC)
UNTIL = tuple((_NEWEST - timedelta(hours=11 * step)).isoformat() for step in range(3000))


@dataclass(frozen=True, slots=True)
class Walked:
    """Cursors (each names the position after its article) and article ids, newest first."""

    cursors: tuple[str, ...]
    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Query:
    """A document and, for call number `n`, its variables: the same for every `n` when repeated."""

    name: str
    document: str
    variables: Callable[[int], Variables]


async def walk(fetch: Fetch, limit: int) -> Walked:
    """Up to `limit` cursors and ids, newest first, read page by page through `fetch`."""
    cursors: list[str] = []
    ids: list[str] = []
    after: str | None = None
    while len(cursors) < limit:
        answer = orjson.loads(await fetch(WALK, {"after": after}))
        connection = answer["data"]["articles"]
        cursors += [edge["cursor"] for edge in connection["edges"]]
        ids += [edge["node"]["id"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    # The last pages are short: a cursor there would not start a full page.
    usable = max(1, len(cursors) - PAGE_SIZE)
    return Walked(tuple(cursors[:usable]), tuple(ids))


def page_variables(walked: Walked) -> Callable[[int], Variables]:
    """Unique 25-item pages: every cursor with one URL preference, then with the next."""
    cursors = walked.cursors or ("",)
    return lambda n: {
        "after": cursors[n % len(cursors)],
        "prefer": _cycle(PREFERENCES, n, len(cursors)),
    }


def queries(walked: Walked) -> list[Query]:
    """Every in-process query, with variables that differ from call to call (but `page,
    repeated`): cursors, topics, dates and search terms rotate."""
    page = page_variables(walked)
    ids = walked.ids or ("",)
    return [
        Query("page, repeated", PAGE, lambda n: {"after": None}),
        Query("page, unique", PAGE, page),
        Query(
            "topic page",
            TOPIC,
            lambda n: {"topic": ROOTS[n % len(ROOTS)], **page(n // len(ROOTS))},
        ),
        Query(
            "filter",
            FILTER,
            lambda n: {
                "topics": [ROOTS[n % len(ROOTS)]],
                "until": _cycle(UNTIL, n, len(ROOTS)),
                "quality": n % 50,
            },
        ),
        Query(
            "search",
            SEARCH,
            lambda n: {
                "search": SEARCH_TERMS[n % len(SEARCH_TERMS)],
                "until": _cycle(UNTIL, n, len(SEARCH_TERMS)),
            },
        ),
        Query(
            "facets",
            FACETS,
            lambda n: {"topics": [TOPICS[n % len(TOPICS)]], "until": _cycle(UNTIL, n, len(TOPICS))},
        ),
        Query(
            "article by id",
            BY_ID,
            lambda n: {"id": ids[n % len(ids)], "prefer": _cycle(PREFERENCES, n, len(ids))},
        ),
    ]


def _cycle(values: Sequence[str], n: int, inner: int) -> str:
    """The value for call `n` when an inner rotation of length `inner` runs underneath it."""
    return values[(n // inner) % len(values)]


def not_in_schema(schema: GraphQLSchema, document: str) -> str | None:
    """Why `schema` rejects the document (its first validation error), or None."""
    errors = validate(schema, parse(document))
    return errors[0].message if errors else None
