"""The static JSON API and feeds served live: layout, fields, errors, base path, validators."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.plugin_manager import load_plugins
from newsgraph.testing import client
from tests.conftest import WriteTree, front_matter

pytestmark = pytest.mark.asyncio


def story(n: int, **fields: str | None) -> str:
    return front_matter(
        title=f'"Story {n}"',
        webUrl=f'"https://news.example.com/{n}"',
        publishedDateTime=f"2024-01-{n:02d}T08:00:00Z",
        **fields,
    )


def stories(count: int, **fields: str | None) -> dict[str, str | bytes]:
    return {f"_news/story-{n:02d}.md": story(n, **fields) for n in range(1, count + 1)}


def app(folder: Path, **server: object) -> object:
    config = Config(sources=folder_sources([folder]), **server)
    return create_app(config, load_plugins(frozenset()))


async def test_pages_of_newest_articles_with_the_sites_fields(write_tree: WriteTree) -> None:
    folder = write_tree(
        {
            **stories(5),
            "_news/story-06.md": story(
                6,
                content='"<p>Body</p>"',
                sourceUrl='"https://wire.example.org/6"',
                highlight='"Big"',
                tags="\n  - one\n  - two",
                updatedDateTime="2024-01-07T09:30:00+01:00",
                locale="fr-fr",
                categories="\n  - news\n  - tech",
                featuredContent='"<iframe></iframe>"',
                images='\n  - url: "https://img.example.com/6.png"\n    title: "A title"\n'
                '    attribution: "Someone"',
            ),
        }
    )
    async with client(app(folder / "_news", static_page_size=4)) as http:  # type: ignore[arg-type]
        first = (await http.get("/api/news/index.json")).json()
        assert first == (await http.get("/api/news/page/1/index.json")).json()
        assert [i["title"] for i in first["value"]] == [f"Story {n}" for n in (6, 5, 4, 3)]
        assert (first["page"], first["nextPage"]) == (1, 2)
        second = (await http.get("/api/news/page/2/index.json")).json()
        assert (second["page"], second["nextPage"], len(second["value"])) == (2, None, 2)
        assert (await http.get("/api/news/page/3/index.json")).status_code == 404

        item = first["value"][0]
        assert item["path"] == "_news/story-06.md"
        assert (
            item["content"] == "<p>Body</p>" and item["sourceUrl"] == "https://wire.example.org/6"
        )
        assert item["highlight"] == "Big" and item["tags"] == ["one", "two"]
        assert item["updatedDateTime"] == "2024-01-07T08:30:00Z"
        assert item["locale"] == "fr-fr" and item["categories"] == ["news", "tech"]
        assert item["images"] == [
            {
                "url": "https://img.example.com/6.png",
                "width": None,
                "height": None,
                "title": "A title",
                "attribution": "Someone",
                "isCached": False,
            }
        ]
        assert item["provider"] == {
            "name": "Example News",
            "domain": "example.com",
            "images": None,
            "publishers": None,
            "authors": None,
        }
        plain = first["value"][1]
        assert plain["locale"] == "en-us" and plain["categories"] is None
        assert plain["content"] == "" and plain["tags"] is None and plain["images"] is None
        assert plain["publishedDateTime"] == "2024-01-05T08:00:00Z"


async def test_topic_listings_by_topic_id(write_tree: WriteTree) -> None:
    folder = write_tree(
        {
            **stories(3, topics="\n  - Computer Vision"),
            "_news/other.md": story(9, topics="\n  - Space"),
        }
    )
    async with client(app(folder / "_news")) as http:  # type: ignore[arg-type]
        listing = (await http.get("/api/news/computer-vision/index.json")).json()
        assert [i["title"] for i in listing["value"]] == ["Story 3", "Story 2", "Story 1"]
        assert listing["nextPage"] is None
        paged = (await http.get("/api/news/computer-vision/page/1/index.json")).json()
        assert paged == listing
        for missing in (
            "/api/news/no-such-topic/index.json",
            "/api/news/computer-vision/page/2/index.json",
            "/api/news/page/0/index.json",
            "/api/news/page/01/index.json",
            "/api/news/page/x/index.json",
            "/api/news/page/1/other.json",
            "/api/elsewhere.json",
        ):
            response = await http.get(missing)
            assert response.status_code == 404, missing
            assert "is not in the static API" in response.json()["error"]


async def test_an_empty_catalog_still_has_a_first_page(write_tree: WriteTree) -> None:
    folder = write_tree({"README.md": "nothing here"})
    async with client(app(folder)) as http:  # type: ignore[arg-type]
        page = (await http.get("/api/news/index.json")).json()
        assert page == {"page": 1, "value": [], "nextPage": None}
        assert (await http.get("/api/topics/index.json")).json() == {"value": []}


async def test_the_base_path_is_configurable_and_can_be_turned_off(
    write_tree: WriteTree,
) -> None:
    folder = write_tree(stories(2))
    async with client(app(folder / "_news", static_api_path="/static/v1")) as http:  # type: ignore[arg-type]
        assert (await http.get("/static/v1/news/index.json")).status_code == 200
        assert (await http.get("/api/news/index.json")).status_code == 404
    async with client(app(folder / "_news", static_api_path=None)) as http:  # type: ignore[arg-type]
        assert (await http.get("/api/news/index.json")).status_code == 404
        assert (await http.get("/healthz")).status_code == 200


async def test_answers_follow_the_http_conventions_of_graphql(write_tree: WriteTree) -> None:
    folder = write_tree(stories(40))
    async with client(app(folder / "_news", cache_max_age=30)) as http:  # type: ignore[arg-type]
        first = await http.get("/api/news/index.json", headers={"Accept-Encoding": "identity"})
        etag = first.headers["etag"]
        assert first.headers["cache-control"].startswith("public, max-age=30")
        assert "Accept-Encoding" in first.headers["vary"]
        again = await http.get("/api/news/index.json", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag and not again.content
        other = await http.get("/api/news/index.json", headers={"If-None-Match": '"other"'})
        assert other.status_code == 200 and other.content == first.content
        head = await http.head("/api/news/index.json")
        assert head.status_code == 200 and head.headers["etag"] == etag
        # httpx asks for and decodes gzip: the same document, sent compressed.
        packed = await http.get("/api/news/index.json", headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.content == first.content and packed.headers["etag"] == etag


async def test_feeds_are_served_with_their_media_types(write_tree: WriteTree) -> None:
    folder = write_tree(stories(2, topics="\n  - AI"))
    async with client(app(folder / "_news")) as http:  # type: ignore[arg-type]
        for path, media_type in (
            ("news/feed.json", "application/feed+json"),
            ("news/rss.xml", "application/rss+xml"),
            ("news/atom.xml", "application/atom+xml"),
            ("news/ai/feed.json", "application/feed+json"),
        ):
            response = await http.get(f"/api/{path}")
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith(media_type)
        feed = (await http.get("/api/news/feed.json")).json()
        # Without `site_url`, a live feed links to the host it was asked from.
        assert feed["feed_url"] == "http://newsgraph/api/news/feed.json"
        assert feed["home_page_url"] == "http://newsgraph/"
    async with client(app(folder / "_news", site_url="https://example.org/site/")) as http:  # type: ignore[arg-type]
        feed = (await http.get("/api/news/ai/feed.json")).json()
        assert feed["feed_url"] == "https://example.org/site/api/news/ai/feed.json"
        assert feed["title"] == "News: AI"
