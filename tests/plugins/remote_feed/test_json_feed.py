"""JSON Feed 1.1 items mapped to articles: every mapped field, the provider, and bad items."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsgraph.engine.ingest import normalise_batches
from newsgraph.engine.model import Article, Image, Links, Provider
from tests.plugins.remote_feed.conftest import FeedServer, body, fixture, source

GAZETTE = Provider(
    name="Harbour Gazette",
    domain="example.com",
    images=(Image(url="https://www.example.com/icon-512.png"),),
)


@pytest.mark.asyncio
async def test_every_mapped_field(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", body(fixture("feed.json"), "application/feed+json"))
    normalised = normalise_batches([("feed", await source(url).load())])
    ferry, tide = sorted(normalised.articles, key=lambda a: a.title, reverse=True)
    assert tide == Article(
        id=tide.id,
        title="Tide gauge records the highest spring tide in forty years",
        published_date_time=datetime(2024, 3, 5, 15, 15, tzinfo=UTC),
        links=Links(
            web_url="https://www.example.com/2024/03/tide-gauge-record",
            original_url="https://data.example.org/tides/2024-03-05",
        ),
        provider=GAZETTE,
        excerpt="The harbour's gauge measured 4.9 m on Tuesday morning.",
        topics=("Weather", "Harbour Life"),
        images=(
            Image(url="https://img.example.com/tide.jpg"),
            Image(url="https://img.example.com/tide-banner.jpg"),
        ),
        origin=f"{url}#items[0]",
        source="feed",
    )
    # No `url`: the external URL is canonical; no `date_published`: `date_modified` is used.
    assert ferry == Article(
        id=ferry.id,
        title="Winter ferry timetable starts next week",
        published_date_time=datetime(2024, 3, 1, 7, 0, tzinfo=UTC),
        links=Links(
            web_url=None, original_url="https://ferries.example.org/notices/winter-timetable"
        ),
        provider=GAZETTE,
        origin=f"{url}#items[1]",
        source="feed",
    )
    assert [str(p) for p in normalised.problems] == [
        f"{url}#items[2]: error: expected an object, got string",
        f"{url}#items[3]: error: publishedDateTime: not an ISO 8601 date-time: 'yesterday'",
    ]


@pytest.mark.asyncio
async def test_provider_from_the_option_or_from_the_feed_url(feed_server: FeedServer) -> None:
    bare = b"""{"version": "https://jsonfeed.org/version/1", "items": [{"id": "1",
        "url": "https://x.example.com/1", "title": "T", "date_published": "2024-01-01"}]}"""
    url = feed_server.route("/bare.json", body(bare))
    (record,) = (await source(url).load()).articles
    assert record.data["provider"] == {"name": "127.0.0.1", "domain": "127.0.0.1"}
    given = {"name": "Wire Desk", "domain": "wire.example.org"}
    (record,) = (await source(url, provider=given).load()).articles
    assert record.data["provider"] == given
