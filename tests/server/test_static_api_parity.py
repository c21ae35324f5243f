"""Parity of the served static JSON API with the corpus's own rendered files, field for field.

The site lists three published URLs twice (each filed under two names); newsgraph keeps one
article per URL and reports the other record as a duplicate. The site's listing without those
second records, cut into pages again, is what newsgraph must serve, item for item.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from newsgraph.engine.sources import Severity
from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.plugin_manager import load_plugins
from newsgraph.server.runtime import Runtime
from newsgraph.testing import client
from tests.server.test_parity import SITE, static_pages

PAGE_SIZE = 25
TOPIC_LISTINGS = ["ai-builder", "canvas-apps", "common-data-service", "teams-integration"]


pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class Served:
    http: httpx.AsyncClient
    twice: set[str]  # the paths of records reported as a second record of a URL


@pytest_asyncio.fixture
async def served(corpus: Path) -> AsyncIterator[Served]:
    """The corpus served with the site's own settings: its URL, and its records' base URL;
    its organisation profiles too, which leave every provider that has a logo as it is."""
    folders = [corpus / "_news", corpus / "_data" / "topics", corpus / "_data" / "organizations"]
    sources = [replace(s, options={**s.options, "base_url": SITE}) for s in folder_sources(folders)]
    app = create_app(Config(sources=tuple(sources), site_url=SITE), load_plugins(frozenset()))
    async with client(app) as http:
        yield Served(http, duplicates(app.state.runtime))


async def get(http: httpx.AsyncClient, path: str) -> Any:
    response = await http.get(path)
    assert response.status_code == 200, (path, response.text)
    assert response.headers["content-type"] == "application/json"
    return response.json()


def duplicates(runtime: Runtime) -> set[str]:
    """The paths of the records newsgraph reported as a second record of a URL."""
    return {
        f"_news/{Path(p.origin).name}"
        for p in runtime.ingested.problems
        if p.severity is Severity.WARNING and "same canonical URL" in p.message
    }


def in_time_groups(items: list[dict[str, Any]]) -> list[list[str]]:
    """The items grouped by timestamp, in order; within a group, order is free."""
    return [
        sorted(json.dumps(item, sort_keys=True) for item in group)
        for _, group in groupby(items, key=lambda item: item["publishedDateTime"])
    ]


async def served_listing(http: httpx.AsyncClient, folder: str) -> list[dict[str, Any]]:
    """Every page of a served listing, checked for its numbering; their items in order."""
    first = await get(http, f"/api/{folder}/index.json")
    items: list[dict[str, Any]] = []
    number = 1
    while True:
        page = await get(http, f"/api/{folder}/page/{number}/index.json")
        assert page["page"] == number and len(page["value"]) <= PAGE_SIZE
        if number == 1:
            assert page == first
        items += page["value"]
        if page["nextPage"] is None:
            assert (
                await http.get(f"/api/{folder}/page/{number + 1}/index.json")
            ).status_code == 404
            return items
        assert page["nextPage"] == number + 1 and len(page["value"]) == PAGE_SIZE
        number += 1


async def check_listing(served: Served, site_folder: Path, folder: str) -> int:
    expected = [i for i in static_pages(site_folder) if i["path"] not in served.twice]
    items = await served_listing(served.http, folder)
    assert len(items) == len(expected)
    assert [i["publishedDateTime"] for i in items] == [i["publishedDateTime"] for i in expected]
    assert in_time_groups(items) == in_time_groups(expected)
    return len(items)


async def test_every_page_is_the_sites_own(served: Served, corpus: Path) -> None:
    assert len(served.twice) == 4  # three published URLs, and one draft's
    assert await check_listing(served, corpus / "api" / "news", "news") == 425
    # Before the first duplicate moves the boundaries, a page is the site's file as it is.
    page = await get(served.http, "/api/news/page/1/index.json")
    site = json.loads((corpus / "api/news/page/1/index.json").read_text("utf-8"))
    assert {k: v for k, v in page.items() if k != "value"} == {"page": 1, "nextPage": 2}
    assert in_time_groups(page["value"]) == in_time_groups(site["value"])


@pytest.mark.parametrize("slug", TOPIC_LISTINGS)
async def test_every_topic_listing_is_the_sites_own(
    served: Served, corpus: Path, slug: str
) -> None:
    await check_listing(served, corpus / "api" / "news" / slug, f"news/{slug}")
    page = await get(served.http, f"/api/news/{slug}/index.json")
    site = json.loads((corpus / "api" / "news" / slug / "index.json").read_text("utf-8"))
    assert page["page"] == site["page"] and page["nextPage"] == site["nextPage"]


async def test_the_topics_index_has_the_templates_shape(served: Served, corpus: Path) -> None:
    topics = (await get(served.http, "/api/topics/index.json"))["value"]
    files = sorted((corpus / "_data" / "topics").glob("*.yaml"))
    assert [t["id"] for t in topics] == [f.stem.split("-", 1)[1] for f in files]
    power_apps = topics[0]
    assert set(power_apps) == {"name", "shortname", "id", "services"}
    assert power_apps["shortname"] == power_apps["name"] == "Power Apps"
    assert {"name": "news", "endpoint": f"{SITE}/api/news/"} in power_apps["services"]
    assert all(t["parent"] == "Power Apps" for t in topics[1:])
