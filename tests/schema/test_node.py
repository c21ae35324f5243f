"""Relay Global Object Identification: every cached object has an id, and `node`/`nodes` find
it again, in this process or another."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS

SCHEMA = build_schema()
EVERY_ID = """{ articles { edges { node { id articleId provider { id domain }
    topics { id slug } related { id title } } } } providers { id } topics { id } }"""
NODE = """fragment Named on Node { __typename id
    ... on Article { title } ... on Topic { name } ... on Provider { domain }
    ... on Related { title } }"""


def load() -> Context:
    runtime = Runtime(Config(sources=folder_sources([SEEDS])))
    asyncio.run(runtime.load())
    return Context(catalog=runtime.catalog)


def execute(context: Context, query: str, **variables: Any) -> Any:
    return SCHEMA.execute_sync(query, variable_values=variables, context_value=context)


def run(context: Context, query: str, **variables: Any) -> dict[str, Any]:
    result = execute(context, query, **variables)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def every_id(data: dict[str, Any]) -> list[str]:
    """Each id in an answer to `EVERY_ID`, in order."""
    found: list[str] = []
    for edge in data["articles"]["edges"]:
        article = edge["node"]
        found += [article["id"], article["provider"]["id"]]
        found += [t["id"] for t in article["topics"]] + [r["id"] for r in article["related"]]
    return found + [p["id"] for p in data["providers"]] + [t["id"] for t in data["topics"]]


def test_ids_are_base64_of_type_and_key(context: Context) -> None:
    article = run(context, EVERY_ID)["articles"]["edges"][0]["node"]
    decoded = base64.b64decode(article["id"]).decode()
    assert decoded == f"Article:{article['articleId']}"
    assert base64.b64decode(article["provider"]["id"]).decode() == (
        f"Provider:{article['provider']['domain']}"
    )
    topic = article["topics"][0]
    assert base64.b64decode(topic["id"]).decode() == f"Topic:{topic['slug']}"


def test_every_id_finds_its_object_again(context: Context) -> None:
    data = run(context, EVERY_ID)
    ids = list(dict.fromkeys(every_id(data)))
    assert any(base64.b64decode(i).startswith(b"Related:") for i in ids)
    for start in range(0, len(ids), 100):
        chunk = ids[start : start + 100]
        found = run(
            context, "query($ids: [ID!]!) { nodes(ids: $ids) { ...Named } }" + NODE, ids=chunk
        )
        assert [node["id"] for node in found["nodes"]] == chunk
    one = run(context, "query($id: ID!) { node(id: $id) { ...Named } }" + NODE, id=ids[0])
    first = data["articles"]["edges"][0]["node"]
    assert one["node"] == {"__typename": "Article", "id": ids[0], "title": one["node"]["title"]}
    assert run(context, "query($id: ID!) { article(id: $id) { id } }", id=ids[0]) == {
        "article": {"id": first["id"]}
    }


def test_a_related_story_is_found_with_what_its_article_says(context: Context) -> None:
    data = run(context, "{ articles(first: 1) { edges { node { related { id title url } } } } }")
    related = data["articles"]["edges"][0]["node"]["related"][1]
    query = "query($id: ID!) { node(id: $id) { ... on Related { id title url } } }"
    assert run(context, query, id=related["id"])["node"] == related


def test_ids_are_the_same_after_a_reload_elsewhere(context: Context) -> None:
    assert every_id(run(load(), EVERY_ID)) == every_id(run(context, EVERY_ID))


def test_ids_of_objects_that_are_gone_give_null(context: Context) -> None:
    gone = [
        base64.b64encode(f"{kind}:{key}".encode()).decode()
        for kind, key in [
            ("Article", "0000000000000000"),
            ("Topic", "no-such-topic"),
            ("Provider", "nowhere.example"),
            ("Related", "0000000000000000/0000000000000000"),
        ]
    ]
    found = run(context, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=gone)
    assert found == {"nodes": [None, None, None, None]}
    assert run(context, "query($id: ID!) { node(id: $id) { id } }", id=gone[0]) == {"node": None}


@pytest.mark.parametrize(
    "given", ["not an id", "QXJ0aWNsZQ==", base64.b64encode(b"User:1").decode()]
)
def test_what_is_not_a_global_id_is_refused(context: Context, given: str) -> None:
    result = execute(context, "query($id: ID!) { node(id: $id) { id } }", id=given)
    assert result.data == {"node": None}
    assert result.errors[0].message == f"{given!r} is not a global id given out by this API"


def test_nodes_takes_at_most_a_hundred_ids(context: Context) -> None:
    ids = [base64.b64encode(b"Topic:ai").decode()] * 101
    result = execute(context, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=ids)
    assert result.errors[0].message == "nodes takes at most 100 ids, got 101"
    assert (
        len(run(context, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=ids[:100])["nodes"])
        == 100
    )


def test_keys_from_before_global_ids_are_still_taken(context: Context) -> None:
    article = context.catalog.order[0]
    by_key = run(context, "query($id: ID!) { article(id: $id) { articleId } }", id=article.id)
    assert by_key == {"article": {"articleId": article.id}}
    by_slug = run(context, '{ topic(id: "computer-vision") { id slug name } }')["topic"]
    assert by_slug["slug"] == "computer-vision"
    by_id = run(context, "query($id: ID!) { topic(id: $id) { id slug name } }", id=by_slug["id"])
    assert by_id["topic"] == by_slug
