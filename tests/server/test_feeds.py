"""Feeds out: valid JSON Feed 1.1, RSS 2.0 and Atom 1.0, and read back through `remote_feed`
from a real HTTP server, the same articles."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest

from newsgraph.engine import static_api
from newsgraph.engine.catalog import Catalog
from newsgraph.engine.model import Article
from newsgraph.server.cli import main
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS
from tests.plugins.remote_feed.conftest import FeedServer, runtime

SITE = "https://example.org/site"
TOPIC = "computer-vision"

# What JSON Feed 1.1 requires (jsonfeed.org/version/1.1), and the types of what we write.
JSON_FEED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "language": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_text"]}, {"required": ["content_html"]}],
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string"},
                    "external_url": {"type": "string"},
                    "title": {"type": "string"},
                    "content_text": {"type": "string"},
                    "summary": {"type": "string"},
                    "image": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "date_modified": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "authors": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"name": {"type": "string"}}},
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return asyncio.run(Runtime(Config(sources=folder_sources([SEEDS]))).load()).catalog


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    assert main(["export-static", str(out), str(SEEDS), "--site-url", SITE]) == 0
    return out / "api"


def newest(catalog: Catalog, topic: str | None) -> list[Article]:
    entry = None if topic is None else catalog.topic(id=topic)
    return static_api.newest(catalog, None if entry is None else entry.topic, 25)


@pytest.mark.parametrize("folder", ["news", f"news/{TOPIC}"])
def test_json_feed_is_valid(exported: Path, catalog: Catalog, folder: str) -> None:
    feed = json.loads((exported / folder / "feed.json").read_bytes())
    jsonschema.validate(feed, JSON_FEED_SCHEMA, format_checker=jsonschema.FormatChecker())
    expected = newest(catalog, None if folder == "news" else TOPIC)
    assert [item["id"] for item in feed["items"]] == [a.links.canonical for a in expected]
    assert feed["feed_url"] == f"{SITE}/api/{folder}/feed.json"


@pytest.mark.parametrize(("file", "version"), [("rss.xml", "rss20"), ("atom.xml", "atom10")])
@pytest.mark.parametrize("folder", ["news", f"news/{TOPIC}"])
def test_rss_and_atom_are_valid(
    exported: Path, catalog: Catalog, folder: str, file: str, version: str
) -> None:
    parsed = feedparser.parse((exported / folder / file).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    expected = newest(catalog, None if folder == "news" else TOPIC)
    assert len(expected) > 1
    assert [entry.link for entry in parsed.entries] == [a.links.canonical for a in expected]
    assert [entry.id for entry in parsed.entries] == [a.links.canonical for a in expected]
    assert parsed.feed.link == f"{SITE}/"
    # The feed's own time is its newest article's, so that an unchanged feed is the same bytes.
    assert parsed.feed.updated_parsed[:6] == expected[0].published_date_time.timetuple()[:6]


def story(article: Article, with_provider: bool) -> tuple[object, ...]:
    """What a feed carries of an article."""
    images = tuple(image.url for image in article.images)
    # A feed names a provider by its home page; read back, a host's `www.` is dropped, as
    # `remote_feed` names every provider.
    domain = article.provider.domain.removeprefix("www.")
    provider = (article.provider.name, domain) if with_provider else None
    return (
        article.id,
        article.title,
        article.published_date_time,
        (article.excerpt or "").strip(),
        article.topics,
        images,
        provider,
    )


@pytest.mark.parametrize("file", ["feed.json", "rss.xml", "atom.xml"])
def test_a_topic_feed_read_back_gives_the_same_articles(
    exported: Path, catalog: Catalog, file: str
) -> None:
    expected = newest(catalog, TOPIC)
    assert len(expected) >= 3
    with FeedServer() as server:
        server.mount("/api/", exported)
        source = runtime(server.url(f"/api/news/{TOPIC}/{file}"))
        ingested = asyncio.run(source.load())
    assert ingested.errors == [] and ingested.warnings == []
    # JSON Feed has no publisher per item: its items take the feed's own provider.
    with_provider = file != "feed.json"
    read = [story(a, with_provider) for a in ingested.catalog.order]
    assert read == [story(a, with_provider) for a in expected]
