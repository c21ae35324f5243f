"""The direct executor's connection lanes against Strawberry: one plan asked again and again
with generated windows, cursors, orders, filters, searches, topics, URL preferences and
drafts, so that edges serialised for one request are reused by the next; every answer must
be Strawberry's, or the executor declines."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.schema.executor import Executor
from newsgraph.schema.limits import Limits
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS
from tests.schema.test_executor import agree, direct, reference

SCHEMA = build_schema()
EDGES = """edges { cursor score snippet @include(if: $snippets)
    node { id title url(prefer: $prefer) publishedDateTime provider { name }
           topics { name } } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"""
WINDOW = """first: $first, last: $last, after: $after, before: $before, page: $page,
    filter: $filter, sort: $sort"""
DECLARED = """$first: Int, $last: Int, $after: String, $before: String, $page: Int,
    $filter: ArticleFilter, $sort: [ArticleSort!], $prefer: UrlPreference!,
    $snippets: Boolean!"""
# The same connection reached from the root (with or without a topic), a topic and a provider.
DOCUMENTS = {
    "root": f"query Lane({DECLARED}, $topic: String) {{ articles({WINDOW}, topic: $topic) "
    f"{{ totalCount {EDGES} }} }}",
    "topic": f"query Lane({DECLARED}, $topic: String!) {{ topic(name: $topic) "
    f"{{ articles({WINDOW}) {{ {EDGES} }} }} }}",
    "provider": f"query Lane({DECLARED}, $domain: String!) {{ provider(domain: $domain) "
    f"{{ articles({WINDOW}) {{ totalCount {EDGES} }} }} }}",
}
SORTS: list[list[dict[str, str]] | None] = [
    None,
    [{"field": "TITLE", "direction": "ASC"}],
    [{"field": "PUBLISHED_DATE_TIME", "direction": "ASC"}],
    [{"field": "QUALITY"}],
    [{"field": "RELEVANCE"}],  # an error without a search
]
# Searches whose hits overlap: an article's edge differs between them (score, snippet).
SEARCHES = [None, "robot", "robot OR solar", "solar", "clim*", "nothing-matches-this"]
TOPICS = ["AI", "Robotics", "Climate", "Nope"]
DOMAINS = ["news.example.com", "daily.example.org", "nowhere.example"]


@pytest.fixture(scope="module")
def contexts() -> tuple[Context, Context]:
    """The public context and one carrying the preview credential (drafts visible)."""
    runtime = Runtime(Config(sources=folder_sources([SEEDS])))
    asyncio.run(runtime.load())
    return Context(catalog=runtime.catalog), Context(catalog=runtime.catalog, preview=True)


@pytest.fixture(scope="module")
def cursors(contexts: tuple[Context, Context]) -> list[str]:
    """Cursors of every order and search above, as Strawberry issues them, and bad ones."""
    public, _ = contexts
    found: set[str] = set()
    query = """query($sort: [ArticleSort!], $filter: ArticleFilter) {
        articles(first: 100, sort: $sort, filter: $filter) { edges { cursor } } }"""
    for sort in SORTS:
        for search in SEARCHES:
            variables = {"sort": sort, "filter": {"search": search}}
            result = SCHEMA.execute_sync(query, variable_values=variables, context_value=public)
            if result.data is not None:
                found.update(edge["cursor"] for edge in result.data["articles"]["edges"])
    return sorted(found) + ["bm90IGEgY3Vyc29y", "", "eyJ2MiI6MX0="]


def windows(cursors: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    sizes = st.one_of(st.none(), st.integers(0, 30), st.sampled_from([100, 101, -1]))
    cursor = st.one_of(st.none(), st.sampled_from(cursors))
    filters = st.fixed_dictionaries(
        {},
        optional={
            "search": st.sampled_from(SEARCHES),
            "topics": st.fixed_dictionaries({"anyOf": st.lists(st.sampled_from(TOPICS))}),
            "quality": st.fixed_dictionaries({"min": st.integers(0, 4)}),
            "visibility": st.sampled_from(["PUBLISHED", "DRAFT", "ALL"]),
        },
    )
    return st.fixed_dictionaries(
        {
            "first": sizes,
            "last": sizes,
            "after": cursor,
            "before": cursor,
            "page": st.one_of(st.none(), st.integers(0, 4)),
            "filter": st.one_of(st.none(), filters),
            "sort": st.sampled_from(SORTS),
            "prefer": st.sampled_from(["CANONICAL", "AMP", "AMP_CACHE"]),
            "snippets": st.booleans(),
            "topic": st.sampled_from(TOPICS),
            "domain": st.sampled_from(DOMAINS),
        }
    )


def test_generated_connection_pages_agree_with_strawberry(
    contexts: tuple[Context, Context], cursors: list[str]
) -> None:
    answered: list[bool] = []
    valid: list[bool] = []

    @settings(
        max_examples=400,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        st.sampled_from(sorted(DOCUMENTS)),
        st.sampled_from(contexts),
        windows(cursors),
    )
    def page_agrees(document: str, context: Context, variables: dict[str, Any]) -> None:
        if document == "root" and variables["topic"] == "Nope":
            del variables["topic"]  # a root page of every topic, with the same plan
        valid.append(reference(DOCUMENTS[document], variables, context).errors is None)
        answered.append(agree(DOCUMENTS[document], variables, context))

    page_agrees()
    # The lanes must answer nearly every error-free window, or they are not a fast path; the
    # windows must include enough of those to say so (about a fifth to a quarter are).
    assert sum(valid) >= 50, (sum(valid), len(valid))
    assert sum(answered) >= 0.95 * sum(valid), (sum(answered), sum(valid))


def test_a_page_is_one_serialised_list(contexts: tuple[Context, Context]) -> None:
    public, _ = contexts
    executor = Executor(SCHEMA, Limits())
    plan = executor.plan("{ articles(first: 5) { edges { cursor node { id } } } }", None)
    assert plan is not None
    for _ in range(2):  # serialised, then from the lane
        data = executor.execute(plan, {}, public)
        edges = data["articles"]["edges"]
        assert isinstance(edges, orjson.Fragment)
        assert len(orjson.loads(orjson.dumps(edges))) == 5


def test_lanes_follow_order_search_drafts_and_preference(
    contexts: tuple[Context, Context],
) -> None:
    # One plan, windows that slide over each other in two orders, overlapping searches, with
    # and without drafts, in two preferences, twice: each answer is the reference's, though
    # most of its edges were serialised for an earlier one.
    public, preview = contexts
    query = DOCUMENTS["root"]
    catalog = public.catalog
    everything = {"visibility": "ALL"}  # drafts too, with the preview credential
    cases = [(context, sort, {}) for context in (public, preview) for sort in SORTS[:2]]
    cases += [(preview, sort, everything) for sort in SORTS[:2]]
    cases += [(public, sort, {"search": s}) for sort in SORTS[:2] for s in SEARCHES[1:3]]
    for context, sort, where in cases * 2:
        for prefer in ("AMP", "CANONICAL"):
            after = None
            for _ in range(len(catalog) // 4 + 1):
                variables: dict[str, Any] = {"first": 4, "after": after, "sort": sort}
                variables |= {"prefer": prefer, "snippets": True, "filter": where}
                assert agree(query, variables, context)
                data = direct(query, variables, context)
                after = data["articles"]["pageInfo"]["endCursor"]
                if after is None:
                    break
