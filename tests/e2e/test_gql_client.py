"""A real Python GraphQL client, `gql` over httpx, against `newsgraph serve` in uvicorn: it
learns the schema by introspection, walks every page of `articles` forwards and backwards with
cursors, and finds an article again by its global id."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from gql import Client, GraphQLRequest, gql
from gql.client import SyncClientSession
from gql.transport.httpx import HTTPXTransport

from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS
from tests.e2e.conftest import serving

PAGE = 7  # 43 seed articles: six full pages and a short one, each way

FORWARD = gql(
    """query Forward($first: Int!, $after: String) {
      articles(first: $first, after: $after) {
        edges { cursor node { id title publishedDateTime } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }"""
)
BACKWARD = gql(
    """query Backward($last: Int!, $before: String) {
      articles(last: $last, before: $before) {
        edges { cursor node { id title publishedDateTime } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }"""
)
NODE = gql(
    """query Node($id: ID!) {
      node(id: $id) { __typename id ... on Article { title publishedDateTime } }
    }"""
)


@pytest.fixture(scope="module")
def client() -> Iterator[SyncClientSession]:
    with serving(str(SEEDS)) as (base, _):
        transport = HTTPXTransport(url=f"{base}/graphql", timeout=10)
        # Introspection gives the client our schema; it then validates each document locally.
        with Client(transport=transport, fetch_schema_from_transport=True) as session:
            yield session


@pytest.fixture(scope="module")
def expected() -> list[str]:
    """The visible seed articles' global ids, newest first, worked out without the server."""
    runtime = Runtime(Config(sources=folder_sources([SEEDS])))
    asyncio.run(runtime.load())
    keys = [article.id for article in runtime.catalog.order]
    return [base64.b64encode(f"Article:{key}".encode()).decode() for key in keys]


def run(client: SyncClientSession, request: GraphQLRequest, **variables: Any) -> dict[str, Any]:
    return client.execute(GraphQLRequest(request, variable_values=variables))


def walk_forwards(client: SyncClientSession) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = run(client, FORWARD, first=PAGE, after=after)
        connection = page["articles"]
        edges = connection["edges"]
        assert len(edges) == PAGE or not connection["pageInfo"]["hasNextPage"]
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        nodes += [edge["node"] for edge in edges]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes
        assert connection["pageInfo"]["endCursor"] == edges[-1]["cursor"]
        after = connection["pageInfo"]["endCursor"]


def walk_backwards(client: SyncClientSession) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    before = None
    while True:
        page = run(client, BACKWARD, last=PAGE, before=before)
        connection = page["articles"]
        edges = connection["edges"]
        assert len(edges) == PAGE or not connection["pageInfo"]["hasPreviousPage"]
        assert connection["pageInfo"]["hasNextPage"] is (before is not None)
        nodes = [edge["node"] for edge in edges] + nodes
        if not connection["pageInfo"]["hasPreviousPage"]:
            return nodes
        assert connection["pageInfo"]["startCursor"] == edges[0]["cursor"]
        before = connection["pageInfo"]["startCursor"]


def test_every_page_forwards_then_backwards(client: SyncClientSession, expected: list[str]) -> None:
    forwards = walk_forwards(client)
    backwards = walk_backwards(client)
    assert len(expected) == 43
    assert [node["id"] for node in forwards] == expected
    assert [node["id"] for node in backwards] == expected
    assert forwards == backwards
    times = [datetime.fromisoformat(node["publishedDateTime"]) for node in forwards]
    assert times == sorted(times, reverse=True)
    assert all(node["publishedDateTime"].endswith("Z") for node in forwards)


def test_an_id_from_a_page_finds_its_article(
    client: SyncClientSession, expected: list[str]
) -> None:
    article = walk_forwards(client)[17]
    found = run(client, NODE, id=article["id"])
    assert found == {"node": {"__typename": "Article", **article}}
    assert article["id"] == expected[17]
