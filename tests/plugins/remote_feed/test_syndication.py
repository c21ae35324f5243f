"""RSS 2.0 items and Atom 1.0 entries mapped to articles: every mapped field, per-item
providers, HTML turned into text, and bad items."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsgraph.engine.ingest import normalise_batches
from newsgraph.engine.model import Article, Image, Links, Provider
from newsgraph.plugins.remote_feed.syndication import text
from tests.plugins.remote_feed.conftest import FeedServer, body, fixture, source


def by_title(articles: list[Article]) -> dict[str, Article]:
    return {article.title: article for article in articles}


@pytest.mark.asyncio
async def test_rss(feed_server: FeedServer) -> None:
    url = feed_server.route("/rss.xml", body(fixture("rss.xml"), "application/rss+xml"))
    normalised = normalise_batches([("feed", await source(url).load())])
    found = by_title(normalised.articles)
    lamp = found["Lamp & lens restored after a decade"]
    assert lamp == Article(
        id=lamp.id,
        title="Lamp & lens restored after a decade",
        published_date_time=datetime(2024, 3, 5, 15, 15, tzinfo=UTC),
        links=Links(web_url="https://www.example.org/2024/lamp-restored", original_url=None),
        provider=Provider(
            name="Lighthouse Weekly",
            domain="example.org",
            images=(Image(url="https://www.example.org/logo.png"),),
        ),
        excerpt="Volunteers refitted the lens. It turns again & shines.",
        topics=("Heritage", "Coast"),
        images=(
            Image(url="https://img.example.org/lamp-full.jpg", width=1200, height=800),
            Image(url="https://img.example.org/lamp.jpg"),
            Image(url="https://img.example.org/lamp-small.jpg", width=120, height=80),
        ),
        origin=f"{url}#item[0]",
        source="feed",
    )
    # A permalink guid stands in for the link; dc:date for pubDate; <source> names the provider.
    wire = found["Wire: storm barrier closes for the first time this year"]
    assert wire.links.canonical == "https://wire.example.com/stories/barrier-closes"
    assert wire.published_date_time == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)
    assert wire.provider == Provider(name="Example Wire", domain="wire.example.com")
    assert (wire.excerpt, wire.topics, wire.images) == (None, (), ())
    assert [str(p) for p in normalised.problems] == [
        f"{url}#item[2]: error: webUrl: an article needs a webUrl or an originalUrl",
        f"{url}#item[3]: error: publishedDateTime: not an ISO 8601 date-time: 'last Tuesday'",
    ]


@pytest.mark.asyncio
async def test_atom(feed_server: FeedServer) -> None:
    url = feed_server.route("/atom.xml", body(fixture("atom.xml"), "application/atom+xml"))
    normalised = normalise_batches([("feed", await source(url).load())])
    found = by_title(normalised.articles)
    dam = found["Dam opens its spillway gates"]
    assert dam == Article(
        id=dam.id,
        title="Dam opens its spillway gates",
        # `published` wins over `updated`; a relative link is resolved against xml:base.
        published_date_time=datetime(2024, 3, 4, 7, 0, tzinfo=UTC),
        links=Links(web_url="https://news.example.org/2024/dam-gates", original_url=None),
        provider=Provider(
            name="Valley Observer",
            domain="news.example.org",
            images=(Image(url="https://news.example.org/icon.png"),),
        ),
        excerpt="Gates opened at dawn.",
        topics=("Energy", "rivers"),
        images=(Image(url="https://img.example.org/dam.png"),),
        origin=f"{url}#entry[0]",
        source="feed",
    )
    # Only `updated`; the content is not an excerpt; the entry's <source> is the provider.
    bridge = found["Upstream: new footbridge crosses the weir"]
    assert bridge.published_date_time == datetime(2024, 3, 2, 9, 0, tzinfo=UTC)
    assert bridge.excerpt is None
    assert bridge.provider == Provider(name="Upstream Times", domain="upstream.example.com")
    assert [str(p) for p in normalised.problems] == [
        f"{url}#entry[2]: error: publishedDateTime: is required",
    ]


def test_html_becomes_text() -> None:
    assert text("<p>One&nbsp;&amp; <b>two</b></p><p>three<br>four</p>") == "One & two three four"
    assert text("  plain   words ") == "plain words"
