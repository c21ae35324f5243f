"""Parity with the static JSON API that newsgraph replaces, on the real corpus."""

from __future__ import annotations

import asyncio
import json
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from newsgraph.engine.ingest import Ingested
from newsgraph.engine.sources import Severity
from newsgraph.schema.build import build_schema
from newsgraph.schema.context import Context
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime

SCHEMA = build_schema()


@pytest.fixture(scope="module")
def loaded(request: pytest.FixtureRequest) -> tuple[Path, Ingested]:
    corpus: Path = request.getfixturevalue("corpus")
    sources = folder_sources([corpus / "_news", corpus / "_data" / "topics"])
    return corpus, asyncio.run(Runtime(Config(sources=sources)).load())


@pytest.fixture(scope="module")
def corpus(request: pytest.FixtureRequest) -> Path:
    from tests.conftest import CORPUS

    if not (CORPUS / "_news").is_dir():
        pytest.skip("../shared/corpus/everyday-powerapps is not present")
    return CORPUS


def canonical(item: dict[str, Any]) -> str:
    return str(item["webUrl"] or item["originalUrl"])


def in_time_groups(items: list[tuple[str, str]]) -> list[set[str]]:
    """URLs grouped by timestamp, in order: order among equal timestamps is free."""
    return [{url for url, _ in group} for _, group in groupby(items, key=lambda i: i[1])]


def walk(ingested: Ingested, **arguments: str) -> list[tuple[str, str]]:
    query = """query($after: String, $topic: String) {
      articles(first: 25, after: $after, topic: $topic) {
        pageInfo { hasNextPage endCursor }
        edges { node { url publishedDateTime } }
      }
    }"""
    context = Context(catalog=ingested.catalog)
    found: list[tuple[str, str]] = []
    after = None
    while True:
        result = SCHEMA.execute_sync(
            query, variable_values={"after": after, **arguments}, context_value=context
        )
        assert result.errors is None and result.data is not None
        page = result.data["articles"]
        found += [(e["node"]["url"], e["node"]["publishedDateTime"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def static_items(folder: Path, dropped: set[str]) -> list[tuple[str, str]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        document = json.loads((folder / "page" / str(page) / "index.json").read_text("utf-8"))
        items += document["value"]
        if document["nextPage"] is None:
            break
        page = int(document["nextPage"])
    return [
        (canonical(item), _utc(item["publishedDateTime"]))
        for item in items
        if item["path"] not in dropped
    ]


def _utc(moment: str) -> str:
    from datetime import UTC, datetime

    return datetime.fromisoformat(moment).astimezone(UTC).isoformat()


def dropped_duplicates(corpus: Path, ingested: Ingested) -> set[str]:
    return {
        str(Path(p.origin).relative_to(corpus))
        for p in ingested.problems
        if p.severity is Severity.WARNING and "same canonical URL" in p.message
    }


def test_corpus_loads_without_errors(loaded: tuple[Path, Ingested]) -> None:
    _, ingested = loaded
    assert ingested.records == 674
    assert ingested.errors == []
    catalog = ingested.catalog
    # 428 records are published; three published URLs are each filed twice, and one
    # unpublished URL too, so 670 distinct articles remain, 425 of them visible.
    assert len(catalog) + catalog.drafts == 670
    assert len(catalog) == 425
    duplicates = [p for p in ingested.problems if "same canonical URL" in p.message]
    assert len(duplicates) == 4
    assert {e.topic.name for e in catalog.topics() if e.topic.in_taxonomy} >= {"Power Apps"}


def test_pages_reproduce_the_static_api(loaded: tuple[Path, Ingested]) -> None:
    corpus, ingested = loaded
    expected = static_items(corpus / "api" / "news", dropped_duplicates(corpus, ingested))
    assert len(expected) == 425
    found = walk(ingested)
    assert [time for _, time in found] == [time for _, time in expected]
    assert in_time_groups(found) == in_time_groups(expected)


TOPIC_LISTINGS = ["ai-builder", "canvas-apps", "common-data-service", "teams-integration"]


@pytest.mark.parametrize("slug", TOPIC_LISTINGS)
def test_topic_listings_reproduce_the_static_api(loaded: tuple[Path, Ingested], slug: str) -> None:
    corpus, ingested = loaded
    folder = corpus / "api" / "news" / slug
    document = json.loads((folder / "index.json").read_text("utf-8"))
    name = document["value"][0]["topics"][-1]
    entry = ingested.catalog.topic(id=slug)
    assert entry is not None and entry.topic.name == name
    expected = static_items(folder, dropped_duplicates(corpus, ingested))
    by_name = walk(ingested, topic=name)
    by_id = walk(ingested, topic=slug)
    assert by_name == by_id
    assert in_time_groups(by_name) == in_time_groups(expected)
