"""The scale smoke test: Debian's nginx with deploy/nginx's configuration in front of two
newsgraph replicas sharing persisted queries through Debian's redis-server, all on loopback
(bench/cluster.py starts them). The full measurements are `python -m bench.scale`."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.cluster import Cluster, cluster, missing
from tests.conftest import SEEDS

MAX_AGE = 4  # seconds nginx may serve an answer before it revalidates it
QUERY = "{ articles(first: 3) { edges { node { id title } } } }"


@pytest.fixture(scope="module")
def loopback(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    reason = missing()
    if reason is not None:
        pytest.skip(f"the scale smoke test needs nginx and redis-server: {reason}")
    env = {
        "NEWSGRAPH_CACHE_MAX_AGE": str(MAX_AGE),
        "NEWSGRAPH_CACHE_STALE_WHILE_REVALIDATE": "0",
        "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache-home")),
    }
    folder: Path = tmp_path_factory.mktemp("cluster")
    with cluster(folder, [str(SEEDS)], replicas=2, env=env) as started:
        yield started


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}/graphql"


def test_every_replica_serves_the_same_snapshot(loopback: Cluster) -> None:
    snapshots = {
        httpx.get(f"http://127.0.0.1:{r.port}/healthz").json()["snapshot"]
        for r in loopback.replicas
    }
    (snapshot,) = snapshots
    direct = [httpx.get(url(r.port), params={"query": QUERY}) for r in loopback.replicas]
    assert {answer.headers["x-newsgraph-snapshot"] for answer in direct} == {snapshot}
    assert len({answer.headers["etag"] for answer in direct}) == 1


def test_a_repeated_get_is_a_cache_hit_through_the_proxy(loopback: Cluster) -> None:
    query = {"query": "{ articles(first: 1) { totalCount } }"}
    first = httpx.get(url(loopback.proxy), params=query)
    again = httpx.get(url(loopback.proxy), params=query)
    assert first.status_code == again.status_code == 200
    assert first.headers["x-cache-status"] == "MISS"
    assert again.headers["x-cache-status"] == "HIT"
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["x-newsgraph-snapshot"] == first.headers["x-newsgraph-snapshot"]
    # A POST never meets the cache (nginx names no cache status): it reaches a replica.
    posted = [httpx.post(url(loopback.proxy), json=query) for _ in range(2)]
    assert [p.status_code for p in posted] == [200, 200]
    assert not any("x-cache-status" in p.headers for p in posted)


def test_revalidation_answers_304(loopback: Cluster) -> None:
    query = {"query": "{ articles(first: 2) { totalCount } }"}
    first = httpx.get(url(loopback.proxy), params=query)
    etag = first.headers["etag"]
    held = httpx.get(url(loopback.proxy), params=query, headers={"If-None-Match": etag})
    assert held.status_code == 304 and held.content == b""
    # Once the answer is stale nginx asks a replica with If-None-Match; the 304 it gets
    # renews the kept answer without a body.
    time.sleep(MAX_AGE + 1)
    renewed = httpx.get(url(loopback.proxy), params=query)
    assert renewed.headers["x-cache-status"] == "REVALIDATED"
    assert renewed.content == first.content and renewed.headers["etag"] == etag


def test_a_persisted_query_registered_on_one_replica_is_found_on_the_other(
    loopback: Cluster,
) -> None:
    query = "{ articles(first: 4) { edges { node { title } } } }"
    hash_ = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": hash_}}
    one, other = loopback.replicas
    registered = httpx.post(url(one.port), json={"query": query, "extensions": extensions})
    assert registered.status_code == 200 and "data" in registered.json()
    found = httpx.post(url(other.port), json={"extensions": extensions})
    assert found.status_code == 200
    assert found.json() == registered.json()


def test_no_request_fails_while_a_replica_is_stopped(loopback: Cluster) -> None:
    stopped = loopback.replicas[0]
    stopped.stop()
    try:
        # Unique POSTs: none is a cache hit, each reaches a replica; half of them are sent to
        # the stopped one first, and nginx retries them on the other.
        answers = [
            httpx.post(
                url(loopback.proxy), json={"query": f"{{ articles(first: {n}) {{ totalCount }} }}"}
            )
            for n in range(1, 21)
        ]
        assert [a.status_code for a in answers] == [200] * 20
        assert all("data" in a.json() for a in answers)
    finally:
        stopped.start()
        stopped.wait_ready()
