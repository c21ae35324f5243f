"""Snapshot identity: a version and a content hash, in /healthz, a header and the schema; a
reload that changes no content keeps the snapshot."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from newsgraph.server.config import Config, folder_sources, load_config
from newsgraph.server.runtime import Runtime
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS, WriteTree, front_matter

QUERY = "{ snapshot { version hash loadedAt } articles { totalCount } }"


@pytest.mark.asyncio
async def test_healthz_header_and_schema_name_the_same_snapshot() -> None:
    async with client(make_app(sources=folder_sources([SEEDS]))) as http:
        health = (await http.get("/healthz")).json()
        answer = await http.post("/graphql", json={"query": QUERY})
        again = await http.post("/graphql", json={"query": QUERY})  # from the response cache
    snapshot = answer.json()["data"]["snapshot"]
    assert snapshot == again.json()["data"]["snapshot"]
    assert (health["snapshot"], health["version"]) == (snapshot["hash"], snapshot["version"])
    assert health["loadedAt"] == snapshot["loadedAt"]
    assert snapshot["version"] == 1 and len(snapshot["hash"]) == 16
    for response in (answer, again):
        assert response.headers["X-Newsgraph-Snapshot"] == snapshot["hash"]


def test_versions_count_content_changes_only(write_tree: WriteTree) -> None:
    root = write_tree({"a.md": front_matter()})
    runtime = Runtime(Config(sources=folder_sources([root])))
    asyncio.run(runtime.load())
    first = runtime.snapshot
    os.utime(root / "a.md", ns=(1, 1))  # read again, same content: the same snapshot
    asyncio.run(runtime.load())
    assert runtime.snapshot is first
    (root / "b.md").write_text(front_matter(webUrl='"https://news.example.com/b"'))
    asyncio.run(runtime.load())
    assert runtime.snapshot.version == first.version + 1
    assert runtime.snapshot.content_hash != first.content_hash
    (root / "b.md").unlink()
    asyncio.run(runtime.load())
    # The same content as the first snapshot: a new version, with the first one's hash.
    assert (runtime.snapshot.version, runtime.snapshot.content_hash) == (3, first.content_hash)


def test_the_same_content_read_by_another_process_has_the_same_hash() -> None:
    one, two = (Runtime(Config(sources=folder_sources([SEEDS]))) for _ in range(2))
    asyncio.run(one.load())
    asyncio.run(two.load())
    assert one.snapshot.content_hash == two.snapshot.content_hash


@pytest.mark.asyncio
async def test_subscriptions_over_plain_http_get_a_clear_error() -> None:
    query = "subscription { articleChanges { kind } }"
    async with client(make_app(sources=folder_sources([SEEDS]))) as http:
        response = await http.post("/graphql", json={"query": query})
    assert response.status_code < 500
    assert "errors" in response.json()


def test_watching_is_a_setting(tmp_path: Path) -> None:
    file = tmp_path / "newsgraph.yaml"
    file.write_text("server: {watch: false, subscriber_limit: 5, sse_keep_alive: 2.5}\n")
    config = load_config(file, environ={})
    assert (config.watch, config.subscriber_limit, config.sse_keep_alive) == (False, 5, 2.5)
    assert load_config(None, environ={"NEWSGRAPH_WATCH": "0"}).watch is False
    assert load_config(None, environ={}).watch is True
    assert Runtime(Config(sources=folder_sources([SEEDS]), watch=False)).watched() == []
    assert Runtime(Config(sources=folder_sources([SEEDS]))).watched() == ["seeds"]
