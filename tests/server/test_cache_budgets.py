"""The response cache's budget is the server's: with `workers: N`, each worker keeps an Nth."""

from __future__ import annotations

import pytest

from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.testing import client
from tests.conftest import SEEDS
from tests.server.scrape import samples

FIRST = {"query": "{ articles { totalCount } }"}
SECOND = {"query": "{ articles(first: 1) { totalCount } }"}


async def hits_after_two_queries_and_the_first_again(workers: int) -> float:
    config = Config(sources=folder_sources([SEEDS]), response_cache=2, workers=workers)
    async with client(create_app(config)) as http:
        for query in (FIRST, SECOND, FIRST):
            assert (await http.post("/graphql", json=query)).status_code == 200
        found = samples((await http.get("/-/metrics")).text)
    return found[("newsgraph_response_cache_lookups_total", (("result", "hit"),))]


@pytest.mark.asyncio
async def test_each_of_two_workers_keeps_half_of_the_response_cache() -> None:
    assert await hits_after_two_queries_and_the_first_again(workers=1) == 1
    # One answer per worker: the second query's pushed the first one out.
    assert await hits_after_two_queries_and_the_first_again(workers=2) == 0
