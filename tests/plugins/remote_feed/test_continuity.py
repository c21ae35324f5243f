"""A feed whose items are all invalid keeps its last good articles and says which items
and why."""

from __future__ import annotations

import logging

import orjson
import pytest

from newsgraph.server.config import Config, SourceConfig
from newsgraph.server.introspection import sources_view
from newsgraph.server.plugin_manager import load_plugins
from newsgraph.server.runtime import Runtime
from tests.plugins.remote_feed.conftest import FAST, FeedServer, body, fixture


@pytest.mark.asyncio
async def test_a_feed_whose_items_are_all_invalid_keeps_the_last_good_ones(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    good = fixture("feed.json")
    document = orjson.loads(good)
    document["items"] = [{"id": f"broken-{n}"} for n in range(3)]  # no URL, title or date
    url = feed_server.route("/feed.json", body(good), body(orjson.dumps(document)))
    entry = SourceConfig("remote_feed", "feed", {"url": url, **FAST})
    runtime = Runtime(Config(sources=(entry,)), load_plugins(frozenset()))
    await runtime.load()
    before = sorted(a.title for a in runtime.catalog.order)
    with caplog.at_level(logging.WARNING, logger="newsgraph"):
        await runtime.load()
    (state,) = sources_view(runtime)
    assert sorted(a.title for a in runtime.catalog.order) == before and before
    assert state["status"] == "degraded"
    problems = state["refused_load_problems"]
    assert isinstance(problems, list) and problems
    assert all("items[" in line for line in problems)  # the item, and why
    assert any("degraded" in r.getMessage() for r in caplog.records)
    assert any("items[" in r.getMessage() for r in caplog.records)
