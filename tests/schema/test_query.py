from __future__ import annotations

import base64
from typing import Any

import pytest

from newsgraph.schema.build import SDL_PATH, build_schema, sdl
from newsgraph.schema.context import Context
from newsgraph.schema.limits import Limits

SCHEMA = build_schema()


def run(context: Context, query: str, **variables: Any) -> dict[str, Any]:
    result = SCHEMA.execute_sync(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def global_id(type_name: str, key: str) -> str:
    """A Relay global id as clients see it: base64 of `Type:key`."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def error_of(context: Context, query: str, schema: Any = SCHEMA) -> str:
    result = schema.execute_sync(query, context_value=context)
    assert result.errors, result.data
    return str(result.errors[0].message)


def test_sdl_file_matches_the_code() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), "run: newsgraph export-schema"


def test_secured_is_not_in_the_schema() -> None:
    assert "secured" not in sdl()


def test_articles_page_walk(context: Context) -> None:
    query = """query($after: String) {
      articles(first: 7, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { articleId } }
      }
    }"""
    seen: list[str] = []
    after = None
    while True:
        page = run(context, query, after=after)["articles"]
        seen += [edge["node"]["articleId"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [a.id for a in context.catalog.order]
    assert page["totalCount"] == len(seen)


def test_page_numbers_jump_to_the_pages_cursors_walk_to(context: Context) -> None:
    query = """query($page: Int, $topic: String) {
      articles(first: 7, page: $page, topic: $topic) {
        totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { articleId } }
      }
      topic(name: "AI") { articles(first: 3, page: $page) { edges { node { articleId } } } }
    }"""
    order = [a.id for a in context.catalog.order]
    pages = -(-len(order) // 7)
    for number in range(1, pages + 2):
        found = run(context, query, page=number)
        page = found["articles"]
        assert [e["node"]["articleId"] for e in page["edges"]] == order[
            (number - 1) * 7 : number * 7
        ]
        assert page["pageInfo"] == {
            "hasNextPage": number < pages,
            "hasPreviousPage": number > 1,
        }
        entry = context.catalog.topic(name="AI")
        assert entry is not None
        of_topic = [context.catalog.order[p].id for p in entry.positions]
        topic_page = found["topic"]["articles"]["edges"]
        assert [e["node"]["articleId"] for e in topic_page] == of_topic[
            (number - 1) * 3 : number * 3
        ]


def test_article_by_id_and_url_with_amp_selection(context: Context) -> None:
    amp = next(a for a in context.catalog.order if a.links.cdn_amp_web_url)
    query = """query($id: ID, $url: String) { article(id: $id, url: $url) {
        id canonical: url amp: url(prefer: AMP) cache: url(prefer: AMP_CACHE) } }"""
    by_id = run(context, query, id=amp.id)["article"]
    assert by_id == {
        "id": global_id("Article", amp.id),
        "canonical": amp.links.web_url,
        "amp": amp.links.amp_web_url,
        "cache": amp.links.cdn_amp_web_url,
    }
    assert run(context, query, url=amp.links.amp_web_url)["article"]["id"] == by_id["id"]
    assert run(context, query, id=by_id["id"])["article"] == by_id
    assert run(context, query, id="missing")["article"] is None


def test_video_url_falls_back_to_original_url(context: Context) -> None:
    video = next(a for a in context.catalog.order if a.links.web_url is None)
    data = run(
        context,
        "query($id: ID) { article(id: $id) { url(prefer: AMP_CACHE) webUrl type } }",
        id=video.id,
    )
    assert data["article"] == {"url": video.links.original_url, "webUrl": None, "type": "video"}


def test_drafts_are_invisible(context: Context) -> None:
    data = run(context, "{ articles(first: 100) { edges { node { published } } } }")
    assert all(edge["node"]["published"] for edge in data["articles"]["edges"])
    assert context.catalog.drafts >= 1


def test_topics_and_topic_articles(context: Context) -> None:
    data = run(context, "{ topics { id name articleCount inTaxonomy } }")
    topics = {t["name"]: t for t in data["topics"]}
    assert len(topics) >= 6
    assert any(not t["inTaxonomy"] for t in topics.values())
    some = max(topics.values(), key=lambda t: t["articleCount"])
    by_id = run(
        context,
        "query($id: ID) { topic(id: $id) { name articles(first: 100) { totalCount } } }",
        id=some["id"],
    )
    by_name = run(
        context,
        "query($n: String) { articles(topic: $n, first: 100) { totalCount } }",
        n=some["name"].upper(),
    )
    assert by_id["topic"]["articles"]["totalCount"] == some["articleCount"]
    assert by_name["articles"]["totalCount"] == some["articleCount"]


def test_providers(context: Context) -> None:
    data = run(context, "{ providers { domain articleCount articles(first: 1) { totalCount } } }")
    assert len(data["providers"]) >= 6
    for provider in data["providers"]:
        assert provider["articleCount"] == provider["articles"]["totalCount"] >= 1
    domain = data["providers"][0]["domain"]
    one = run(context, "query($d: String!) { provider(domain: $d) { domain } }", d=domain)
    assert one["provider"]["domain"] == domain


def test_related_links_to_catalog_articles(context: Context) -> None:
    data = run(
        context,
        """{ articles(first: 100) { edges { node { related {
            title url article { id title } } } } } }""",
    )
    related = [r for e in data["articles"]["edges"] for r in e["node"]["related"]]
    linked = [r for r in related if r["article"]]
    assert linked and len(linked) < len(related)
    assert all(r["article"]["title"] == r["title"] for r in linked)


def test_filters_by_type_and_date(context: Context) -> None:
    data = run(
        context,
        """{ videos: articles(filter: {types: ["video"]}) { totalCount }
             old: articles(filter: {until: "2023-06-30T23:59:59Z"}, first: 100) {
               edges { node { publishedDateTime } } } }""",
    )
    assert data["videos"]["totalCount"] >= 3
    assert all(e["node"]["publishedDateTime"] < "2023-07" for e in data["old"]["edges"])


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("{ articles(first: 101) { totalCount } }", "between 0 and 100"),
        ("{ articles(first: -1) { totalCount } }", "between 0 and 100"),
        ('{ articles(after: "bogus") { totalCount } }', "invalid cursor"),
        ("{ article { id } }", "exactly one of id or url"),
        ('{ topic(id: "a", name: "b") { id } }', "exactly one of id or name"),
        ("{ articles { edges { node { secured } } } }", "Cannot query field 'secured'"),
    ],
)
def test_bad_arguments_are_graphql_errors(context: Context, query: str, phrase: str) -> None:
    assert phrase in error_of(context, query)


def test_depth_limit(context: Context) -> None:
    nested = (
        "{ articles { edges { node { related { article { related { article { id } } } } } } } }"
    )
    shallow = build_schema(Limits(max_depth=5))
    assert "exceeds maximum operation depth" in error_of(context, nested, shallow)


def test_alias_limit(context: Context) -> None:
    query = "{ " + " ".join(f"a{n}: topics {{ id }}" for n in range(40)) + " }"
    assert "aliases" in error_of(context, query)


def test_filter_inputs_reach_the_catalog(context: Context) -> None:
    data = run(
        context,
        """{
          noSpace: articles(filter: {topics: {noneOf: ["Space"]}}, first: 100) {
            totalCount edges { node { topics { name } } } }
          aiBranch: articles(filter: {topics: {anyOf: ["AI"], includeSubtopics: true}}) {
            totalCount }
          aiOnly: articles(filter: {topics: {anyOf: ["AI"]}}) { totalCount }
          good: articles(filter: {quality: {min: 4}}, first: 100) {
            edges { node { quality } } }
          amp: articles(filter: {hasAmp: true}, first: 100) {
            edges { node { ampWebUrl cdnAmpWebUrl } } }
          everything: articles { totalCount }
        }""",
    )
    no_space = data["noSpace"]
    assert (
        all(t["name"] != "Space" for e in no_space["edges"] for t in e["node"]["topics"])
        and no_space["totalCount"] < data["everything"]["totalCount"]
    )
    assert data["aiBranch"]["totalCount"] > data["aiOnly"]["totalCount"]
    assert data["good"]["edges"] and all(e["node"]["quality"] >= 4 for e in data["good"]["edges"])
    assert data["amp"]["edges"] and all(
        e["node"]["ampWebUrl"] or e["node"]["cdnAmpWebUrl"] for e in data["amp"]["edges"]
    )


def test_connections_on_topics_and_providers_stay_narrowed(context: Context) -> None:
    provider = context.catalog.providers()[0].provider.domain
    other = context.catalog.providers()[1].provider.domain
    data = run(
        context,
        """query($own: String!, $other: String!) {
          provider(domain: $own) {
            articleCount
            mine: articles(filter: {providers: [$own, $other]}) { totalCount }
            none: articles(filter: {providers: [$other]}) { totalCount }
          }
          topic(name: "Climate") {
            articleCount
            articles(filter: {topics: {anyOf: ["Energy"]}}) { edges { node { topics { name } } } }
          }
        }""",
        own=provider,
        other=other,
    )
    assert data["provider"]["mine"]["totalCount"] == data["provider"]["articleCount"]
    assert data["provider"]["none"]["totalCount"] == 0
    both = [a for a in context.catalog.order if {"Climate", "Energy"} <= set(a.topics)]
    edges = data["topic"]["articles"]["edges"]
    assert both and len(edges) == len(both)
    for edge in edges:
        assert {"Climate", "Energy"} <= {t["name"] for t in edge["node"]["topics"]}


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("{ articles(filter: {quality: {min: 4, max: 2}}) { totalCount } }", "quality: min (4)"),
        (
            "{ articles(sort: [{field: HEAT}, {field: HEAT, direction: ASC}]) { totalCount } }",
            "HEAT is given more than once",
        ),
        ("{ articles(sort: [{field: RELEVANCE}]) { totalCount } }", "needs a search"),
        ('{ articles(filter: {search: "--- ***"}) { totalCount } }', "nothing to search for"),
        ("{ articles(filter: {visibility: DRAFT}) { totalCount } }", "preview credential"),
        ("{ articles(last: 101) { totalCount } }", "last must be between 0 and 100"),
        ("{ articles(page: 0) { totalCount } }", "page must be between 1 and 10000, got 0"),
        ("{ articles(last: 2, page: 2) { totalCount } }", "it cannot go with last"),
        (
            "{ articles(first: 1) { edges { node { similar(first: 101) { score } } } } }",
            "first must be between 0 and 100",
        ),
    ],
)
def test_bad_filters_and_sorts_are_graphql_errors(
    context: Context, query: str, phrase: str
) -> None:
    assert phrase in error_of(context, query)
