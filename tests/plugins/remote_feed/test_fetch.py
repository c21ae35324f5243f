"""HTTP behaviour against a real loopback server: what newsgraph sends, and how it copes."""

from __future__ import annotations

import pytest

from newsgraph.plugins.remote_feed.fetch import FetchError
from newsgraph.plugins.remote_feed.page import DocumentError
from tests.plugins.remote_feed.conftest import (
    FeedServer,
    body,
    fixture,
    redirect,
    source,
    stalled,
    status,
)

FEED = fixture("feed.json")
ETAG = '"v1"'
MODIFIED = "Tue, 05 Mar 2024 10:00:00 GMT"


@pytest.mark.asyncio
async def test_user_agent_and_accept(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", body(FEED))
    await source(url).load()
    (sent,) = feed_server.seen("/feed.json")
    assert sent["user-agent"].startswith("newsgraph/")
    assert "application/feed+json" in sent["accept"] and "application/rss+xml" in sent["accept"]


@pytest.mark.asyncio
async def test_conditional_get_sends_validators_and_304_changes_nothing(
    feed_server: FeedServer,
) -> None:
    url = feed_server.route("/feed.json", body(FEED, etag=ETAG, last_modified=MODIFIED))
    feed = source(url)
    first = await feed.load()
    second = await feed.load()
    unconditional, conditional = feed_server.seen("/feed.json")
    assert "if-none-match" not in unconditional and "if-modified-since" not in unconditional
    assert conditional["if-none-match"] == ETAG
    assert conditional["if-modified-since"] == MODIFIED
    assert second is first
    details = feed.details()
    assert details["last_status"] == 304 and details["unchanged"] is True
    assert (details["etag"], details["last_modified"]) == (ETAG, MODIFIED)


@pytest.mark.asyncio
async def test_same_body_without_validators_is_the_same_batch(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", body(FEED))
    feed = source(url)
    first = await feed.load()
    assert await feed.load() is first
    assert feed.details()["last_status"] == 200


@pytest.mark.asyncio
async def test_a_changed_document_is_a_new_batch(feed_server: FeedServer) -> None:
    changed = FEED.replace(b"Winter ferry", b"Summer ferry")
    url = feed_server.route("/feed.json", body(FEED, etag=ETAG), body(changed, etag='"v2"'))
    feed = source(url)
    first = await feed.load()
    second = await feed.load()
    assert second is not first
    assert second.articles[1].data["title"] == "Summer ferry timetable starts next week"
    assert feed.details()["etag"] == '"v2"' and feed.details()["unchanged"] is False


@pytest.mark.asyncio
async def test_304_without_having_asked_is_an_error(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", status(304))
    with pytest.raises(DocumentError, match="304 Not Modified to an unconditional request"):
        await source(url).load()


@pytest.mark.asyncio
async def test_configured_headers_are_sent(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", body(FEED))
    feed = source(url, headers={"Authorization": "Bearer s3cret", "User-Agent": "custom/1"})
    await feed.load()
    (sent,) = feed_server.seen("/feed.json")
    assert sent["authorization"] == "Bearer s3cret"
    assert sent["user-agent"] == "custom/1"
    assert feed.details()["headers"] == ["Authorization", "User-Agent"]
    assert "s3cret" not in str(feed.details())


@pytest.mark.asyncio
async def test_headers_stay_with_the_configured_origin(feed_server: FeedServer) -> None:
    with FeedServer() as elsewhere:
        target = elsewhere.route("/feed.json", body(FEED))
        url = feed_server.route("/moved.json", redirect(target))
        batch = await source(url, headers={"X-Api-Key": "s3cret"}).load()
        (moved,) = feed_server.seen("/moved.json")
        (followed,) = elsewhere.seen("/feed.json")
    assert moved["x-api-key"] == "s3cret"
    assert "x-api-key" not in followed
    assert batch.articles[0].origin == f"{target}#items[0]"


@pytest.mark.asyncio
async def test_gzip(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", body(FEED, compress=True))
    batch = await source(url).load()
    assert "gzip" in feed_server.seen("/feed.json")[0]["accept-encoding"]
    assert len(batch.articles) == 3


@pytest.mark.asyncio
async def test_503_with_retry_after_is_waited_for(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", status(503, {"Retry-After": "1"}), body(FEED, etag=ETAG))
    feed = source(url, retries=1)
    batch = await feed.load()
    assert len(feed_server.seen("/feed.json")) == 2
    assert len(batch.articles) == 3
    assert feed.details()["attempts"] == 2


@pytest.mark.asyncio
@pytest.mark.parametrize("retry_after", ["120", "Fri, 31 Dec 2100 23:59:59 GMT"])
async def test_retry_after_beyond_max_retry_wait_ends_the_load(
    feed_server: FeedServer, retry_after: str
) -> None:
    url = feed_server.route("/feed.json", status(503, {"Retry-After": retry_after}))
    feed = source(url, retries=3, max_retry_wait=2)
    with pytest.raises(
        FetchError,
        match=r"HTTP 503 Service Unavailable; the server asks to "
        r"retry after \d+ s, more than max_retry_wait \(2 s\)",
    ):
        await feed.load()
    assert len(feed_server.seen("/feed.json")) == 1
    assert feed.details()["last_status"] == 503


@pytest.mark.asyncio
async def test_server_errors_and_timeouts_are_retried_with_backoff(
    feed_server: FeedServer,
) -> None:
    url = feed_server.route("/feed.json", status(500), stalled(FEED), status(502), body(FEED))
    feed = source(url, retries=3, backoff=0.01)
    batch = await feed.load()
    assert len(batch.articles) == 3
    assert len(feed_server.seen("/feed.json")) == 4
    assert feed.details()["attempts"] == 4


@pytest.mark.asyncio
async def test_retries_run_out(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", status(500))
    with pytest.raises(FetchError) as failed:
        await source(url, retries=2, backoff=0.01).load()
    assert str(failed.value) == f"{url}: HTTP 500 Internal Server Error (gave up after 3 attempts)"
    assert len(feed_server.seen("/feed.json")) == 3


@pytest.mark.asyncio
async def test_other_client_errors_are_not_retried(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", status(401))
    with pytest.raises(FetchError) as failed:
        await source(url, retries=3).load()
    assert str(failed.value) == (
        f"{url}: HTTP 401 Unauthorized (check the headers option: credentials?)"
    )
    assert len(feed_server.seen("/feed.json")) == 1


@pytest.mark.asyncio
async def test_redirects_are_followed_up_to_max_redirects(feed_server: FeedServer) -> None:
    final = feed_server.route("/feed.json", body(FEED))
    feed_server.route("/b", redirect("/feed.json", 301))
    url = feed_server.route("/a", redirect("/b", 307))
    batch = await source(url, max_redirects=2).load()
    assert batch.articles[0].origin == f"{final}#items[0]"
    with pytest.raises(FetchError) as refused:
        await source(url, max_redirects=1).load()
    assert str(refused.value) == (
        f"{url}: more than max_redirects (1) redirects: {url} -> {feed_server.url('/b')}"
    )
