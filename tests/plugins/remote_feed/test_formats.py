"""The format is told from the content, whatever the Content-Type says."""

from __future__ import annotations

import pytest

from newsgraph.plugins.remote_feed.page import DocumentError
from tests.plugins.remote_feed.conftest import FeedServer, body, fixture, source

STATIC_PAGE = b'{"page": 1, "value": [], "nextPage": null}'


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("content", "content_type", "found"),
    [
        (fixture("feed.json"), "text/plain", "json_feed"),
        (b"\xef\xbb\xbf\n  " + fixture("feed.json"), "application/octet-stream", "json_feed"),
        (fixture("rss.xml"), "application/octet-stream", "rss"),
        (fixture("atom.xml"), "text/html; charset=utf-8", "atom"),
        (
            fixture("rss.xml").decode().replace('"utf-8"', '"utf-16"').encode("utf-16"),
            "text/xml",
            "rss",
        ),
        (STATIC_PAGE, "text/html", "static_api"),
    ],
)
async def test_detected_from_the_content(
    feed_server: FeedServer, content: bytes, content_type: str, found: str
) -> None:
    url = feed_server.route("/document", body(content, content_type))
    feed = source(url)
    await feed.load()
    assert feed.details()["format"] == found
    same = source(url, format=found)
    await same.load()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"[1, 2]",
            "JSON, but neither a JSON Feed (no version starting "
            "https://jsonfeed.org/version/) nor a static API page (no value list): "
            "a top-level array",
        ),
        (b'{"version": "1.1", "items": []}', "an object with keys items, version"),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}',
            "a JSON Feed needs an items list, got {}",
        ),
        (
            b'<?xml version="1.0"?><feed><title>no namespace</title></feed>',
            "XML, but its root element <feed> is neither RSS nor Atom",
        ),
        (b"", "not a feed: neither JSON nor XML (Content-Type text/plain; starts with b'')"),
    ],
)
async def test_what_is_not_a_feed_is_refused_clearly(
    feed_server: FeedServer, content: bytes, message: str
) -> None:
    url = feed_server.route("/document", body(content, "text/plain"))
    with pytest.raises(DocumentError) as refused:
        await source(url).load()
    assert str(refused.value).startswith(f"{url}: ")
    assert message in str(refused.value)
