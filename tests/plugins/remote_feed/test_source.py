"""A remote feed inside newsgraph: faults keep the last good articles and say why, an
unchanged feed does not rebuild the catalog, and each feed is polled on its own schedule."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from newsgraph.server.config import ConfigError, SourceConfig, load_config
from newsgraph.server.introspection import sources_view
from newsgraph.server.plugin_manager import load_plugins
from newsgraph.server.runtime import Runtime
from newsgraph.testing import client, make_app
from tests.plugins.remote_feed.conftest import (
    FAST,
    FeedServer,
    Responder,
    body,
    dripping,
    fixture,
    redirect,
    runtime,
    stalled,
    status,
    streamed,
    truncated,
)

FEED = fixture("feed.json")
RSS = fixture("rss.xml")
GOOD_TITLES = [
    "Tide gauge records the highest spring tide in forty years",
    "Winter ferry timetable starts next week",
]

# name: (responders for /feed.json after a good first load, extra options, what the error says)
FAULTS: dict[str, tuple[list[Responder], dict[str, object], str]] = {
    "500": ([status(500)], {}, "HTTP 500 Internal Server Error (no retries)"),
    "503 with Retry-After": (
        [status(503, {"Retry-After": "60"})],
        {"retries": 2},
        "HTTP 503 Service Unavailable; the server asks to retry after 60 s, more than "
        "max_retry_wait (2 s)",
    ),
    "404": ([status(404)], {}, "HTTP 404 Not Found"),
    "slow body": ([stalled(FEED)], {}, "the server sent nothing for the read timeout (0.5 s)"),
    "endless body": (
        [dripping(0.02)],
        {"timeout": {"connect": 2, "read": 2, "total": 0.3}},
        "took longer than the total timeout (0.3 s)",
    ),
    "truncated body": (
        [truncated(FEED[:100], len(FEED))],
        {},
        "incomplete body: peer closed connection without sending complete message body",
    ),
    "malformed JSON": (
        [body(b'{"version": "https://jsonfeed.org/version/1.1",\n "items": [}')],
        {},
        "malformed JSON at line 2, column 12: unexpected character",
    ),
    "malformed XML": (
        [body(RSS.replace(b"</channel>", b""), "application/rss+xml")],
        {},
        "malformed XML at line 44, column 3: mismatched tag",
    ),
    "over max_bytes": (
        [body(FEED + b" " * 2000)],
        {"max_bytes": 3000},
        f"the body is {len(FEED) + 2000:,} bytes (Content-Length), over the max_bytes limit "
        "of 3,000",
    ),
    "over max_bytes, streamed": (
        [streamed(b" " * 1000, 5)],
        {"max_bytes": 3000},
        "the body grew past the max_bytes limit of 3,000 bytes while streaming",
    ),
    "redirect loop": ([redirect("/moved.json")], {}, "redirect loop: "),
    "an HTML page": (
        [body(b"<html><body><p>Down for maintenance</p></body></html>", "text/html")],
        {},
        "XML, but its root element <html> is neither RSS nor Atom",
    ),
    "plain text": (
        [body(b"Service temporarily unavailable", "application/json")],
        {},
        "not a feed: neither JSON nor XML (Content-Type application/json; "
        "starts with b'Service temporarily unavailable')",
    ),
    "other JSON": ([body(b'{"data": []}')], {}, "JSON, but neither a JSON Feed"),
    "another format": (
        [body(RSS, "application/json")],
        {"format": "json_feed"},
        "expected json_feed, but the document is rss",
    ),
}


def titles(rt: Runtime) -> list[str]:
    return sorted(article.title for article in rt.catalog.order)


@pytest.mark.asyncio
@pytest.mark.parametrize("fault", FAULTS)
async def test_a_fault_keeps_the_last_good_articles(feed_server: FeedServer, fault: str) -> None:
    responders, options, message = FAULTS[fault]
    url = feed_server.route("/feed.json", body(FEED), *responders)
    feed_server.route("/moved.json", redirect("/feed.json"))
    rt = runtime(url, **options)
    await rt.load()
    good = rt.catalog
    assert titles(rt) == GOOD_TITLES

    ingested = await rt.load()

    (state,) = sources_view(rt)
    assert state["status"] == "failing"
    assert str(state["last_error"]).startswith(("FetchError: ", "DocumentError: "))
    assert url in str(state["last_error"])
    assert message in str(state["last_error"])
    assert state["last_success"] is not None and state["counts"]["records_read"] == 3
    assert rt.catalog is good, "the catalog is kept as it was"
    assert any(p.message.startswith("source failed: ") for p in ingested.problems)


@pytest.mark.asyncio
async def test_a_feed_recovers_after_a_fault(feed_server: FeedServer) -> None:
    changed = FEED.replace(b"Winter ferry", b"Summer ferry")
    url = feed_server.route("/feed.json", body(FEED), status(500), body(changed))
    rt = runtime(url)
    await rt.load()
    await rt.load()
    assert rt.states["feed"].status == "failing"
    await rt.load()
    assert rt.states["feed"].status == "ok" and rt.states["feed"].last_error is None
    assert "Summer ferry timetable starts next week" in titles(rt)


@pytest.mark.asyncio
async def test_not_modified_does_not_rebuild_the_catalog(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", body(FEED, etag='"v1"'))
    rt = runtime(url)
    await rt.load()
    before, first_success = rt.catalog, rt.states["feed"].last_success
    await rt.load()
    state = rt.states["feed"]
    assert rt.catalog is before
    assert state.status == "ok" and state.last_success and first_success
    assert state.last_success > first_success
    assert state.details["last_status"] == 304 and state.details["unchanged"] is True
    assert feed_server.seen("/feed.json")[-1]["if-none-match"] == '"v1"'


@pytest.mark.asyncio
async def test_sources_view_shows_the_feed_details(feed_server: FeedServer) -> None:
    url = feed_server.route(
        "/feed.json", body(FEED, etag='"v1"', last_modified="Tue, 05 Mar 2024 10:00:00 GMT")
    )
    rt = runtime(url, headers={"Authorization": "Bearer s3cret"})
    (pending,) = sources_view(rt)
    assert pending["status"] == "pending" and pending["details"]["url"] == url  # type: ignore[index]
    await rt.load()
    (state,) = sources_view(rt)
    assert state["details"] == {
        "url": url,
        "format": "json_feed",
        "poll_interval": 300.0,
        "pages": 1,
        "etag": '"v1"',
        "last_modified": "Tue, 05 Mar 2024 10:00:00 GMT",
        "last_status": 200,
        "attempts": 1,
        "unchanged": False,
        "headers": ["Authorization"],
    }
    # The item that is not an object, and the item whose date cannot be read: both errors.
    counts = state["counts"]
    assert (counts["records_read"], counts["articles"], counts["problems"]) == (3, 2, 2)
    assert (state["error_count"], state["warning_count"]) == (2, 0)
    assert state["problems"] == {
        "errors": [
            {
                "origin": f"{url}#items[2]",
                "line": None,
                "field": None,
                "message": "expected an object, got string",
            },
            {
                "origin": f"{url}#items[3]",
                "line": None,
                "field": "publishedDateTime",
                "message": "not an ISO 8601 date-time: 'yesterday'",
            },
        ],
        "warnings": [],
        "truncated": False,
    }
    assert "s3cret" not in str(state)


@pytest.mark.asyncio
async def test_headers_take_secrets_from_the_environment(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.route("/feed.json", body(FEED))
    config_file = tmp_path / "newsgraph.yaml"
    config_file.write_text(
        "sources:\n"
        "  - type: remote_feed\n"
        "    name: wire\n"
        f"    options: {{url: '{url}', headers: {{Authorization: {{$env: WIRE_TOKEN}}}}}}\n",
        encoding="utf-8",
    )
    config = load_config(config_file, environ={"WIRE_TOKEN": "Bearer s3cret"})
    await Runtime(config, load_plugins(frozenset())).load()
    assert feed_server.seen("/feed.json")[0]["authorization"] == "Bearer s3cret"
    with pytest.raises(ConfigError) as missing:
        load_config(config_file, environ={})
    assert str(missing.value) == (
        f"{config_file}: sources[0].options.headers.Authorization: "
        "environment variable 'WIRE_TOKEN' is not set"
    )


@pytest.mark.asyncio
async def test_every_load_sets_the_next_poll(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.json", body(FEED), status(500))
    rt = runtime(url, poll_interval=120)
    assert rt.polled() == {"feed": 120} and rt.states["feed"].next_poll is None
    for _ in ("a good load", "a failed load"):
        await rt.load()
        state = rt.states["feed"]
        assert state.next_poll and state.last_attempt
        assert state.next_poll - state.last_attempt >= timedelta(seconds=120)


QUERY = "{ articles(first: 10) { totalCount edges { node { title } } } }"


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait for a polled change, failing (not hanging) if it never comes."""
    for _ in range(500):
        if await check():
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"never happened: {what}")


@pytest.mark.asyncio
async def test_each_feed_is_polled_on_its_own(feed_server: FeedServer) -> None:
    changed = FEED.replace(b"Winter ferry", b"Summer ferry")
    url = feed_server.route("/feed.json", body(FEED, etag='"v1"'))
    once = feed_server.route("/rss.xml", body(RSS, "application/rss+xml", etag='"r1"'))
    app = make_app(
        sources=[
            SourceConfig("remote_feed", "polled", {"url": url, **FAST, "poll_interval": 0.05}),
            SourceConfig("remote_feed", "once", {"url": once, **FAST, "poll_interval": 0}),
        ]
    )
    async with client(app) as http:
        states = {s["name"]: s for s in (await http.get("/-/sources")).json()}
        assert states["polled"]["next_poll"] is not None
        assert states["polled"]["next_poll"] > states["polled"]["last_attempt"]
        assert states["once"]["next_poll"] is None
        assert app.state.runtime.polled() == {"polled": 0.05}

        async def conditional_poll_seen() -> bool:
            return any("if-none-match" in h for h in feed_server.seen("/feed.json"))

        await eventually(conditional_poll_seen, "a conditional poll")
        feed_server.route("/feed.json", body(changed, etag='"v2"'))

        async def change_served() -> bool:
            data = (await http.post("/graphql", json={"query": QUERY})).json()["data"]
            return "Summer ferry timetable starts next week" in str(data)

        await eventually(change_served, "the changed feed served")
        states = {s["name"]: s for s in (await http.get("/-/sources")).json()}
        assert states["polled"]["details"]["etag"] == '"v2"'
        assert states["once"]["details"]["etag"] == '"r1"'
        assert len(feed_server.seen("/rss.xml")) == 1
    polling = [t for t in asyncio.all_tasks() if "Runtime.poll" in repr(t.get_coro())]
    assert polling == [], "shutdown cancels the polling tasks"
