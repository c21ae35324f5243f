from __future__ import annotations

import json

import pytest

from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.testing import client as running
from tests.conftest import SEEDS, WriteTree, front_matter

ACCEPTANCE_QUERY = (
    "{ articles(first: 5) { totalCount edges { node { title url(prefer: AMP_CACHE) "
    "provider { name } topics { name } } } } }"
)


def seeds_app() -> object:
    return create_app(Config(sources=folder_sources([SEEDS])))


@pytest.mark.asyncio
async def test_get_and_post_answer_the_same() -> None:
    async with running(seeds_app()) as client:  # type: ignore[arg-type]
        posted = await client.post("/graphql", json={"query": ACCEPTANCE_QUERY})
        got = await client.get("/graphql", params={"query": ACCEPTANCE_QUERY})
    assert posted.status_code == got.status_code == 200
    assert posted.json() == got.json()
    articles = posted.json()["data"]["articles"]
    assert len(articles["edges"]) == 5 and articles["totalCount"] >= 40


@pytest.mark.asyncio
async def test_healthz() -> None:
    async with running(seeds_app()) as client:  # type: ignore[arg-type]
        health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["counts"]["visible"] >= 40


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ articles(first: 1000) { totalCount } }"},
        {"query": "{ " * 500 + "}" * 500},
        {
            "query": "{ articles { edges { node { "
            + "related { article { " * 10
            + "id"
            + " } }" * 10
            + " } } } }"
        },
        {"query": "query { " + " ".join(f"a{n}: topics {{ id }}" for n in range(500)) + " }"},
        {"query": '{ articles(after: "\\u0000") { totalCount } }'},
        {"query": "{ __typename }", "variables": "not a mapping"},
    ],
)
async def test_hostile_queries_get_graphql_errors_not_500(body: dict[str, object]) -> None:
    async with running(seeds_app()) as client:  # type: ignore[arg-type]
        response = await client.post("/graphql", json=body)
    assert response.status_code in (200, 400)
    assert response.json()["errors"]


@pytest.mark.asyncio
async def test_malformed_http_bodies_are_400() -> None:
    async with running(seeds_app()) as client:  # type: ignore[arg-type]
        broken = await client.post(
            "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        mutation = await client.get("/graphql", params={"query": "mutation { x }"})
    assert broken.status_code == 400
    assert mutation.status_code in (400, 405)


@pytest.mark.asyncio
async def test_the_app_serves_what_its_lifespan_loaded(write_tree: WriteTree) -> None:
    root = write_tree({"a.md": front_matter(title='"Only one"'), "bad.md": "---\n"})
    app = create_app(Config(sources=folder_sources([root])))
    async with running(app) as client:
        response = await client.post(
            "/graphql", json={"query": "{ articles { edges { node { title source } } } }"}
        )
    edges = json.loads(response.text)["data"]["articles"]["edges"]
    assert edges == [{"node": {"title": "Only one", "source": "content"}}]
