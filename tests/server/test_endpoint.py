"""`/graphql`'s fast lane: the response cache and the direct executor, through the real app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.testing import client as running
from tests.conftest import SEEDS, WriteTree, front_matter
from tests.server.scrape import answered_by

PAGE = (
    "query($n: Int!, $after: String) { articles(first: $n, after: $after) { totalCount "
    "pageInfo { endCursor } edges { node { id title url(prefer: AMP_CACHE) "
    "provider { name images { url } } topics { name } } } } }"
)


def app_for(folder: Path, **server: Any) -> Any:
    return create_app(Config(sources=folder_sources([folder]), **server))


@pytest.mark.asyncio
async def test_a_repeated_request_is_answered_from_the_cache_with_the_same_body() -> None:
    body = {"query": PAGE, "variables": {"n": 5}}
    params = {"query": PAGE, "variables": json.dumps({"n": 5})}
    async with running(app_for(SEEDS)) as client:
        responses = [
            await client.post("/graphql", json=body),
            await client.post("/graphql", json=body),
            await client.post("/graphql", json={"variables": {"n": 5}, "query": PAGE}),
            await client.get("/graphql", params=params),
            await client.get("/graphql", params=params),
        ]
        answered = await answered_by(client)
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert responses[0].headers["content-type"] == "application/json"
    # The key is the request's own bytes: reordered JSON is a new entry, answered directly.
    assert answered == {"cache": 2, "direct": 3, "strawberry": 0}


@pytest.mark.asyncio
async def test_a_reload_is_never_answered_from_the_old_cache(write_tree: WriteTree) -> None:
    folder = write_tree({"a.md": front_matter(title='"Before"')})
    app = app_for(folder)
    query = {"query": "{ articles { edges { node { title } } } }"}
    async with running(app) as client:
        before = (await client.post("/graphql", json=query)).json()
        (folder / "a.md").write_text(front_matter(title='"After"'), encoding="utf-8")
        await app.state.runtime.load()
        after = (await client.post("/graphql", json=query)).json()
    assert before["data"]["articles"]["edges"][0]["node"]["title"] == "Before"
    assert after["data"]["articles"]["edges"][0]["node"]["title"] == "After"


QUERIES = [
    ("{ topics { name children { name } parent { name } articleCount } }", {}),
    (PAGE, {"n": 3}),
    ("{ articles(last: 2, sort: [{field: TITLE}]) { edges { cursor node { title } } } }", {}),
    ("{ articles(first: 2) { facets { months { value count } } totalCount } }", {}),
    ("{ articles(first: 500) { totalCount } }", {}),
    ('{ __type(name: "Article") { name } }', {}),
    ("{ nope }", {}),
    ("query($x: Int!) { articles(first: $x) { totalCount } }", {"x": "three"}),
    # Global ids, `node`/`nodes` over an interface, RFC 3339 dates both ways.
    (
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Article { title "
        "publishedDateTime related { id } } ... on Topic { slug } ... on Provider { domain } } }",
        {"ids": ["QXJ0aWNsZTowMWU3Y2EyZTUwZTNlMGMz", "VG9waWM6YWk=", "UHJvdmlkZXI6bm9uZQ=="]},
    ),
    (
        '{ articles(filter: {since: "2023-09-12T02:00:00.5+02:00", '
        'publishedOn: {max: "2023-11-27"}}) { edges { node { id publishedDateTime } } } }',
        {},
    ),
    ('{ articles(filter: {since: "2023-09-12 00:00:00Z"}) { totalCount } }', {}),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("query", "variables"), QUERIES)
async def test_direct_and_strawberry_answers_are_the_same(
    query: str, variables: dict[str, Any]
) -> None:
    body = {"query": query, "variables": variables}
    async with running(app_for(SEEDS, response_cache=0)) as fast:
        quick = await fast.post("/graphql", json=body)
    async with running(app_for(SEEDS, response_cache=0, direct_executor=False)) as slow:
        reference = await slow.post("/graphql", json=body)
    assert quick.status_code == reference.status_code
    assert quick.content == reference.content


@pytest.mark.asyncio
async def test_errors_are_not_cached_and_go_to_strawberry() -> None:
    bad = {"query": "{ articles(first: 500) { totalCount } }"}
    async with running(app_for(SEEDS)) as client:
        for _ in range(2):
            response = await client.post("/graphql", json=bad)
            assert "between 0 and 100" in response.json()["errors"][0]["message"]
        answered = await answered_by(client)
    assert answered == {"cache": 0, "direct": 0, "strawberry": 2}


@pytest.mark.asyncio
async def test_requests_the_fast_lane_does_not_take_still_work() -> None:
    async with running(app_for(SEEDS)) as client:
        form = await client.post(
            "/graphql",
            content="query=%7B__typename%7D",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        broken = await client.post(
            "/graphql", content=b"{not json", headers={"content-type": "application/json"}
        )
        extra = await client.post(
            "/graphql", json={"query": "{ __typename }", "extensions": {"x": 1}}
        )
    assert broken.status_code == 400 and broken.json()["errors"]
    assert extra.status_code == 200 and extra.json()["data"] == {"__typename": "Query"}
    assert form.status_code in (400, 415) and form.json()["errors"]


@pytest.mark.asyncio
@pytest.mark.parametrize("direct_executor", [True, False])
async def test_introspection_off_is_refused_on_every_path(direct_executor: bool) -> None:
    """POST and GET, with and without the direct executor, asked twice (the cache): always
    refused, while the rest of the API keeps answering."""
    closed = app_for(SEEDS, introspection=False, direct_executor=direct_executor)
    introspection = "{ __schema { types { name } } }"
    async with running(closed) as client:
        refusals = [
            await client.post("/graphql", json={"query": introspection}),
            await client.post("/graphql", json={"query": introspection}),
            await client.get("/graphql", params={"query": introspection}),
            await client.get("/graphql", params={"query": introspection}),
        ]
        allowed = await client.post("/graphql", json={"query": PAGE, "variables": {"n": 2}})
    for refusal in refusals:
        assert refusal.status_code == 200  # application/json: a refused request is still a 200
        assert "data" not in refusal.json(), "nothing ran: no data entry"
        assert refusal.json()["errors"][0]["extensions"] == {"code": "INTROSPECTION_DISABLED"}
    assert len(allowed.json()["data"]["articles"]["edges"]) == 2
