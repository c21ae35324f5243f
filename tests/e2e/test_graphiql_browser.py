"""GraphiQL in a real browser: Debian's Chromium, driven by Playwright, with every host but
loopback blocked, against `newsgraph serve` in a real uvicorn.

Set NEWSGRAPH_SCREENSHOT=docs/graphiql.png (`make screenshot`) to refresh the README's picture.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Request, Route, expect, sync_playwright

from tests.conftest import ROOT, SEEDS
from tests.e2e.conftest import serving

CHROMIUM = Path("/usr/bin/chromium")
# As root on a machine without internet: no sandbox, no GPU, and none of Chromium's own
# background traffic (which a closed network refuses, many connections at a time).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = "127.0.0.1"
SECONDS = 60_000  # Playwright waits in milliseconds; a cold Monaco start is slow on 2 cores


PREVIEW_TOKEN = "a-preview-token-for-the-browser-test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = tmp_path_factory.mktemp("config") / "newsgraph.yaml"
    config.write_text(f"server: {{preview_token: {PREVIEW_TOKEN}}}\n", encoding="utf-8")
    with serving("--config", str(config), str(SEEDS)) as (base, _):
        yield base


class Browser:
    """A page in a fresh Chromium profile that may reach loopback only, with a log of every
    request the browser made (workers' included)."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.requests: list[Request] = []
        context.on("request", self._record)
        context.route("**/*", self._loopback_only)
        self.page: Page = context.new_page()

    def _record(self, request: Request) -> None:
        self.requests.append(request)

    @staticmethod
    def _loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == LOOPBACK:
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def hosts(self) -> set[str | None]:
        return {urlsplit(request.url).hostname for request in self.requests}


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1600, "height": 900},
        )
        try:
            yield Browser(context)
        finally:
            context.close()


def newest_title(server: str) -> str:
    answer = httpx.post(
        f"{server}/graphql",
        json={"query": "{ articles(first: 1) { edges { node { title } } } }"},
        timeout=10,
    )
    title: str = answer.json()["data"]["articles"]["edges"][0]["node"]["title"]
    return title


def test_example_query_runs_with_only_loopback_reachable(
    server: str, browser: Browser, tmp_path: Path
) -> None:
    page = browser.page
    page.goto(f"{server}/graphql")
    query_editor = page.locator(".graphiql-query-editor")
    expect(query_editor).to_contain_text("NewestArticles", timeout=SECONDS)
    expect(page.locator(".graphiql-explorer-root")).to_be_visible(timeout=SECONDS)

    page.get_by_role("button", name="Execute query").click()
    response = page.locator(".graphiql-response")
    expect(response).to_contain_text('"totalCount"', timeout=SECONDS)
    expect(response).to_contain_text(newest_title(server)[:40], timeout=SECONDS)

    page.screenshot(path=tmp_path / "graphiql.png")
    if target := os.environ.get("NEWSGRAPH_SCREENSHOT"):
        shutil.copyfile(tmp_path / "graphiql.png", ROOT / target)
    # The editor's language services run in workers served by newsgraph too; Monaco may start
    # the GraphQL worker a moment after the answer shows, so it is waited for.
    page.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".some(entry => entry.name.endsWith('graphql.worker.js'))",
        timeout=SECONDS,
    )
    assert browser.hosts() == {LOOPBACK}


def test_query_in_the_url_opens_without_running_and_the_docs_pane_opens(
    server: str, browser: Browser
) -> None:
    query, variables = "{ topics { name articleCount } }", '{"x": 1}'
    page = browser.page
    page.goto(f"{server}/graphql?query={quote(query)}&variables={quote(variables)}")
    expect(page.locator(".graphiql-query-editor")).to_contain_text("articleCount", timeout=SECONDS)
    page.get_by_role("button", name="Variables").click()
    expect(page.locator(".graphiql-editor-tool")).to_contain_text('"x"', timeout=SECONDS)
    page.get_by_role("button", name="Show Documentation Explorer").click()
    expect(page.locator(".graphiql-doc-explorer")).to_contain_text("Query", timeout=SECONDS)
    sent = [request.post_data or "" for request in browser.requests if request.method == "POST"]
    assert sent, "GraphiQL fetches the schema on load"
    assert not any("articleCount" in body for body in sent)
    assert browser.hosts() == {LOOPBACK}


def test_the_headers_editor_carries_the_preview_credential(server: str, browser: Browser) -> None:
    query = "{ articles(filter: {visibility: DRAFT}) { edges { node { title published } } } }"
    page = browser.page
    page.goto(f"{server}/graphql?query={quote(query)}")
    expect(page.locator(".graphiql-query-editor")).to_contain_text("DRAFT", timeout=SECONDS)
    page.get_by_role("button", name="Headers").click()
    page.get_by_role("region", name="Headers").get_by_role("code").click()
    # Inserted as text, not typed: typing would meet the editor's automatic closing quotes.
    page.keyboard.insert_text(json.dumps({"X-Newsgraph-Preview": PREVIEW_TOKEN}))
    page.get_by_role("button", name="Execute query").click()
    expect(page.locator(".graphiql-response")).to_contain_text(
        '"published": false', timeout=SECONDS
    )
    assert browser.hosts() == {LOOPBACK}
