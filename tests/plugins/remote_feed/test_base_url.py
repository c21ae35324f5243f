"""Relative URLs in feeds: resolved against the feed's own URL, or the `base_url` option."""

from __future__ import annotations

import json

import pytest

from newsgraph.engine.ingest import normalise_batches
from newsgraph.engine.model import Article
from newsgraph.plugins.remote_feed.options import parse_options
from tests.plugins.remote_feed.conftest import FeedServer, body, source

SITE = "https://news.example.org/site"
LOGO = "/assets/images/organizations/example.com-50x50.jpg"


def api_page() -> bytes:
    item = {
        "title": "Story",
        "webUrl": "https://news.example.com/story",
        "publishedDateTime": "2024-01-02T08:00:00Z",
        "provider": {"name": "Example", "domain": "example.com", "images": [{"url": LOGO}]},
        "images": [{"url": "img/story.jpg"}],
    }
    return json.dumps({"page": 1, "value": [item], "nextPage": None}).encode()


async def one_article(url: str, **options: object) -> Article:
    normalised = normalise_batches([("feed", await source(url, **options).load())])
    assert normalised.problems == []
    (article,) = normalised.articles
    return article


@pytest.mark.asyncio
async def test_a_feed_resolves_relative_urls_against_its_own_url(feed_server: FeedServer) -> None:
    url = feed_server.route("/api/news/index.json", body(api_page()))
    article = await one_article(url)
    assert [i.url for i in article.provider.images] == [feed_server.url(LOGO)]
    assert [i.url for i in article.images] == [feed_server.url("/api/news/img/story.jpg")]


@pytest.mark.asyncio
async def test_a_feeds_base_url_puts_paths_under_the_site(feed_server: FeedServer) -> None:
    url = feed_server.route("/api/news/index.json", body(api_page()))
    article = await one_article(url, base_url=SITE)
    assert [i.url for i in article.provider.images] == [SITE + LOGO]
    assert [i.url for i in article.images] == [f"{SITE}/img/story.jpg"]


RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
  <title>Example</title><link>https://news.example.com/</link>
  <item>
    <title>Relative</title><link>/2024/01/relative.html</link>
    <pubDate>Tue, 02 Jan 2024 08:00:00 GMT</pubDate>
    <media:content url="/assets/relative.jpg" medium="image"/>
  </item>
</channel></rss>"""


@pytest.mark.asyncio
async def test_rss_links_resolve_as_in_the_document_or_under_the_site(
    feed_server: FeedServer,
) -> None:
    url = feed_server.route("/feeds/rss.xml", body(RSS, "application/rss+xml"))
    in_document = await one_article(url)
    assert in_document.links.web_url == feed_server.url("/2024/01/relative.html")
    assert [i.url for i in in_document.images] == [feed_server.url("/assets/relative.jpg")]
    under_site = await one_article(url, base_url=SITE)
    assert under_site.links.web_url == f"{SITE}/2024/01/relative.html"
    assert [i.url for i in under_site.images] == [f"{SITE}/assets/relative.jpg"]


def test_the_base_url_option_is_checked() -> None:
    with pytest.raises(ValueError, match="^base_url: expected an absolute http"):
        parse_options({"url": "https://news.example.com/feed.json", "base_url": "/site"})
