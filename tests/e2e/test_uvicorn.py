"""End to end: the `newsgraph serve` command in a real uvicorn on a free loopback port."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import SEEDS
from tests.e2e.conftest import serving
from tests.server.test_app import ACCEPTANCE_QUERY


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(str(SEEDS)) as (base, output):
        yield base
    # The start-up line carries the counts.
    assert any("newsgraph: 43 articles (4 drafts hidden), 8 topics" in line for line in output)


def test_acceptance_query_over_get_and_post(server: str) -> None:
    posted = httpx.post(f"{server}/graphql", json={"query": ACCEPTANCE_QUERY}, timeout=10)
    got = httpx.get(f"{server}/graphql", params={"query": ACCEPTANCE_QUERY}, timeout=10)
    assert posted.status_code == got.status_code == 200
    assert posted.json() == got.json()
    edges = posted.json()["data"]["articles"]["edges"]
    assert len(edges) == 5
    assert all(edge["node"]["url"].startswith("https://") for edge in edges)
    assert all(edge["node"]["provider"]["name"] for edge in edges)


def test_graphiql_page(server: str) -> None:
    page = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_hostile_query_is_a_graphql_error(server: str) -> None:
    deep = (
        "{ articles { edges { node { " + "related { article { " * 8 + "id" + " } }" * 8 + " } } } }"
    )
    response = httpx.post(f"{server}/graphql", json={"query": deep}, timeout=10)
    assert response.status_code == 200
    assert "maximum operation depth" in json.dumps(response.json()["errors"])
