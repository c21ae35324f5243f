"""Automatic persisted queries shared through a real redis-server (Debian's, started on a
loopback port in a temporary folder): found by another app, and never an error while Redis
is down."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from bench.cluster import Redis, program, redis_server
from newsgraph.server.config import ConfigError, SourceConfig, load_config
from newsgraph.server.shared_documents import PREFIX
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS

SEED_SOURCE = SourceConfig("yaml_folder", "seeds", {"path": str(SEEDS)})


def persisted(query: str, *, send_query: bool) -> dict[str, Any]:
    hash_ = hashlib.sha256(query.encode()).hexdigest()
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash_}}}
    return {"query": query, **body} if send_query else body


def replica(server: Redis | None, **settings: Any) -> Any:
    url = None if server is None else server.url
    return make_app(sources=[SEED_SOURCE], apq_redis_url=url, **settings)


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Redis]:
    if program("redis-server") is None:
        pytest.skip("redis-server is not installed (on Debian: apt-get install redis-server)")
    with redis_server(tmp_path / "redis") as server:
        yield server


@pytest.mark.asyncio
async def test_a_query_registered_on_one_replica_runs_on_another(shared: Redis) -> None:
    query = "{ topics { id } }"
    async with client(replica(shared)) as one, client(replica(shared)) as other:
        unknown = await other.post("/graphql", json=persisted(query, send_query=False))
        registered = await one.post("/graphql", json=persisted(query, send_query=True))
        found = await other.post("/graphql", json=persisted(query, send_query=False))
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert registered.status_code == found.status_code == 200
    assert found.json() == registered.json()
    # Kept in Redis with a time to live, as docs/deploy.md says.
    stored = redis.Redis(port=shared.port)
    hash_ = hashlib.sha256(query.encode()).hexdigest()
    assert stored.get(PREFIX + hash_) == query.encode()
    assert 0 < stored.ttl(PREFIX + hash_) <= 7 * 24 * 3600


@pytest.mark.asyncio
async def test_a_document_stored_under_another_hash_is_not_run(shared: Redis) -> None:
    # Anyone who can write to Redis must not choose what a hash runs.
    query = "{ topics { id } }"
    request = persisted(query, send_query=False)
    hash_ = request["extensions"]["persistedQuery"]["sha256Hash"]
    redis.Redis(port=shared.port).set(PREFIX + hash_, "{ topics { name } }")
    async with client(replica(shared)) as http:
        answer = await http.post("/graphql", json=request)
    assert answer.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.asyncio
async def test_with_redis_stopped_the_process_store_answers_alone(
    shared: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    known, shared_only, later = "{ topics { id } }", "{ topics { name } }", "{ topics { id name } }"
    async with client(replica(shared)) as one, client(replica(shared)) as other:
        assert (await one.post("/graphql", json=persisted(known, send_query=True))).is_success
        assert (
            await other.post("/graphql", json=persisted(shared_only, send_query=True))
        ).is_success
        shared.process.stop()
        with caplog.at_level(logging.WARNING, logger="newsgraph"):
            # What this process remembered runs; what only Redis had is asked for again (the
            # protocol's answer, which clients handle by sending the document); a new document
            # is registered and runs. No request fails.
            again = await one.post("/graphql", json=persisted(known, send_query=False))
            lost = await one.post("/graphql", json=persisted(shared_only, send_query=False))
            new = await one.post("/graphql", json=persisted(later, send_query=True))
            reused = await one.post("/graphql", json=persisted(later, send_query=False))
    assert again.status_code == new.status_code == reused.status_code == 200
    assert "errors" not in again.json() and "errors" not in reused.json()
    assert lost.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    warnings = [r.getMessage() for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per request


def test_the_redis_url_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "newsgraph.yaml"
    path.write_text("server: {apq_redis_url: 'localhost:6379'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"server\.apq_redis_url") as raised:
        load_config(path, environ={})
    assert "got 'localhost:6379'" in str(raised.value)
