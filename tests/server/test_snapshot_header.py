"""Every answer names the snapshot it came from: `X-Newsgraph-Snapshot`, the catalog's content
hash, equal for the same content wherever it was read from, and new when the content changes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from newsgraph.server.config import SourceConfig
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS

QUERY = {"query": "{ articles(first: 2) { edges { node { title } } } }"}


def folder_app(folder: Path, **server: Any) -> Any:
    return make_app(
        sources=[SourceConfig("yaml_folder", "content", {"path": str(folder)})], **server
    )


async def snapshot_of(folder: Path) -> tuple[str, str, str]:
    """The snapshot as /healthz, a GraphQL answer and a 304 name it."""
    async with client(folder_app(folder)) as http:
        health = (await http.get("/healthz")).json()["snapshot"]
        answer = await http.get("/graphql", params=QUERY)
        held = await http.get(
            "/graphql", params=QUERY, headers={"If-None-Match": answer.headers["etag"]}
        )
    assert held.status_code == 304
    return health, answer.headers["x-newsgraph-snapshot"], held.headers["x-newsgraph-snapshot"]


@pytest.mark.asyncio
async def test_the_same_content_read_from_two_places_is_one_snapshot(tmp_path: Path) -> None:
    # As two replicas mount one checkout: the same folder name (a record's `path` starts with
    # it, and is content), under different parents.
    one = shutil.copytree(SEEDS, tmp_path / "one" / "content")
    other = shutil.copytree(SEEDS, tmp_path / "other" / "content")
    here, there = await snapshot_of(one), await snapshot_of(other)
    assert len(set(here)) == 1 and len(here[0]) == 16
    assert here == there


@pytest.mark.asyncio
async def test_changed_content_is_another_snapshot(tmp_path: Path) -> None:
    copy = shutil.copytree(SEEDS, tmp_path / "content")
    before = await snapshot_of(copy)
    article = next(copy.rglob("*.md"))
    article.write_text(article.read_text(encoding="utf-8").replace("title:", "title: New", 1))
    assert await snapshot_of(copy) != before


@pytest.mark.asyncio
async def test_static_api_answers_name_their_snapshot_too() -> None:
    async with client(folder_app(SEEDS, static_api_path="/api")) as http:
        health = (await http.get("/healthz")).json()["snapshot"]
        listing = await http.get("/api/news/index.json")
    assert listing.status_code == 200
    assert listing.headers["x-newsgraph-snapshot"] == health
