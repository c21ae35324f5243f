"""Parity with the static JSON API that newsgraph replaces, on the real corpus."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
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
# The site's `url` and `baseurl`, as its API's absolute URLs show them (the corpus does not
# include the site's `_config.yml`).
SITE = "https://everyday-cc.github.io/powerapps"


def load_folders(*folders: Path, base_url: str | None = None) -> Ingested:
    """The folders read as the site's sources, the first with `base_url` when given."""
    first, *others = folder_sources(folders)
    if base_url is not None:
        first = replace(first, options={**first.options, "base_url": base_url})
    return asyncio.run(Runtime(Config(sources=(first, *others))).load())


@pytest.fixture(scope="module")
def loaded(request: pytest.FixtureRequest) -> tuple[Path, Ingested]:
    corpus: Path = request.getfixturevalue("corpus")
    return corpus, load_folders(corpus / "_news", corpus / "_data" / "topics", base_url=SITE)


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


def static_pages(folder: Path) -> list[dict[str, Any]]:
    """Every item of the static API's pages under `folder`."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        document = json.loads((folder / "page" / str(page) / "index.json").read_text("utf-8"))
        items += document["value"]
        if document["nextPage"] is None:
            return items
        page = int(document["nextPage"])


def static_items(folder: Path, dropped: set[str]) -> list[tuple[str, str]]:
    items = static_pages(folder)
    return [
        (canonical(item), _utc(item["publishedDateTime"]))
        for item in items
        if item["path"] not in dropped
    ]


def _utc(moment: str) -> str:
    from datetime import UTC, datetime

    # The API writes UTC as `Z` (RFC 3339), where `isoformat` writes `+00:00`.
    return datetime.fromisoformat(moment).astimezone(UTC).isoformat().replace("+00:00", "Z")


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


def test_site_relative_logos_resolve_as_the_sites_own_api_shows_them(
    corpus: Path, tmp_path: Path
) -> None:
    # The site's organisation profiles (`_data/organizations/`) write logos site-relative, as
    # Jekyll records do; the corpus's `_news/` has them already made absolute. A copy of
    # `_news/` with the site-relative logos stands for a site that never made them absolute.
    copy = tmp_path / "_news"
    copy.mkdir()
    relative = 0
    for path in sorted((corpus / "_news").glob("*.md")):
        text = path.read_text("utf-8")
        written = text.replace(f"{SITE}/assets/", "/assets/")
        relative += written != text
        (copy / path.name).write_text(written, "utf-8")
    assert relative == 566

    with_base = load_folders(copy, base_url=SITE)
    assert with_base.errors == [] and len(with_base.warnings) == 4  # the four duplicates
    api = {
        canonical(item): [image["url"] for image in item["provider"]["images"] or ()]
        for item in static_pages(corpus / "api" / "news")
    }
    published = with_base.catalog.order
    assert len(published) == 425
    assert all([i.url for i in a.provider.images] == api[a.links.canonical] for a in published)

    # Without a base URL every article still loads; each relative logo costs only itself.
    without = load_folders(copy)
    assert without.errors == []
    assert len(without.catalog) + without.catalog.drafts == 670
    dropped = [p for p in without.warnings if p.field == "provider.images[0].url"]
    assert len(dropped) == relative
    assert {a.id for a in without.catalog.order} == {a.id for a in published}
