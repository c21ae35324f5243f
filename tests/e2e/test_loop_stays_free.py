"""A long query runs on a worker thread: on a real uvicorn, light requests sent while it
runs are answered before it is."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import SEEDS
from tests.e2e.conftest import serving
from tests.server.scrape import answered_by

# Four aliases of a query close to the default cost budget (42,006 of 50,000 each), under a
# budget raised for them: long enough (about 0.4 s on an idle machine) that the light
# requests below are done well before it. Asking for its cost keeps it out of the fast lane.
PART = (
    "articles(first: 100) { edges { node { id title excerpt url similar(first: 15) "
    "{ score article { id title excerpt url topics { name } } } } } }"
)
HEAVY = {
    "query": "{ " + " ".join(f"a{n}: {PART}" for n in range(4)) + " }",
    "extensions": {"cost": True},
}
LIGHT_STRAWBERRY = {"query": "{ articles(first: 1) { totalCount } }", "extensions": {"cost": True}}
LIGHT_DIRECT = {"query": "{ articles(first: 3) { edges { node { id title } } } }"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = tmp_path_factory.mktemp("loop") / "newsgraph.yaml"
    config.write_text("server: {max_cost: 200000}\n", encoding="utf-8")
    with serving("--config", str(config), str(SEEDS)) as (base, _):
        yield base


async def strawberry_started(http: httpx.AsyncClient, before: int) -> None:
    """Once the server has handed one more request to Strawberry (its metrics say so)."""
    while (await answered_by(http)).get("strawberry", 0) == before:
        await asyncio.sleep(0.005)


@pytest.mark.asyncio
async def test_light_requests_are_answered_while_a_heavy_query_runs(server: str) -> None:
    answered: list[str] = []  # in the order their status lines arrive

    async def ask(http: httpx.AsyncClient, name: str, body: dict[str, object] | None) -> None:
        method, path = ("GET", "/healthz") if body is None else ("POST", "/graphql")
        async with http.stream(method, path, json=body) as response:
            answered.append(name)
            await response.aread()
        assert response.status_code == 200, response.text

    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        before = (await answered_by(http)).get("strawberry", 0)
        heavy = asyncio.create_task(ask(http, "heavy", HEAVY))
        # While the query held the loop, not even the metrics were answered until it ended.
        await strawberry_started(http, before)
        light = [
            ask(http, "healthz", None),
            ask(http, "strawberry", LIGHT_STRAWBERRY),
            ask(http, "direct", LIGHT_DIRECT),
        ]
        await asyncio.gather(*light)
        await heavy
    # Status lines, not ends: the heavy answer's megabyte takes the client longer to read,
    # which says nothing about the server.
    assert sorted(answered[:3]) == ["direct", "healthz", "strawberry"]
    assert answered[3:] == ["heavy"]
