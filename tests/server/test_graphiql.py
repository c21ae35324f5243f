"""newsgraph's own GraphiQL page and files, and `server.graphiql: false`, through the real app."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.testing import client as running
from tests.conftest import SEEDS
from tests.server.scrape import answered_by

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Encoding": "gzip"}
QUERY = "{ topics { name } }"


def app(**server: Any) -> Any:
    return create_app(Config(sources=folder_sources([SEEDS]), **server))


def page_settings(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script id="newsgraph-graphiql" type="application/json">(.*?)</script>', html
    )
    assert found, html
    settings: dict[str, Any] = json.loads(found.group(1))
    return settings


async def answered(client: Any) -> int:
    return sum((await answered_by(client)).values())


@pytest.mark.asyncio
async def test_a_browser_gets_graphiql_prefilled_from_the_url_without_running_it() -> None:
    params = {"query": QUERY, "variables": '{"n": 1}'}
    async with running(app()) as client:
        page = await client.get("/graphql", params=params, headers=BROWSER)
        ran = await answered(client)
        not_a_browser = await client.get("/graphql", headers={"Accept": "*/*"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    settings = page_settings(page.text)
    assert settings["endpoint"] == "/graphql" and settings["assets"] == "/-/graphiql/"
    assert ran == 0  # the page reads ?query= itself; the server ran nothing
    assert not_a_browser.status_code == 400 and "No GraphQL query" in not_a_browser.text


@pytest.mark.asyncio
async def test_every_file_the_page_names_is_served_from_newsgraph() -> None:
    async with running(app()) as client:
        page = await client.get("/graphql", headers=BROWSER)
        named = re.findall(r'(?:href|src)="([^"]+)"', page.text)
        assert named == ["/-/graphiql/graphiql.css", "/-/graphiql/graphiql.js"]
        workers = [f"/-/graphiql/{name}.worker.js" for name in ("editor", "json", "graphql")]
        files = {path: await client.get(path, headers=BROWSER) for path in [*named, *workers]}
    for path, file in files.items():
        assert file.status_code == 200, path
        assert file.headers["content-encoding"] == "gzip", path
    script = files["/-/graphiql/graphiql.js"]
    assert "javascript" in script.headers["content-type"] and len(script.content) > 100_000


@pytest.mark.asyncio
async def test_the_example_query_shows_articles_with_provider_images_topics_and_urls() -> None:
    async with running(app(preview_header="X-Drafts")) as client:
        page = await client.get("/graphql", headers=BROWSER)
        example = page_settings(page.text)["exampleQuery"]
        answer = (await client.post("/graphql", json={"query": example})).json()
    assert '"X-Drafts"' in example and "url(prefer: AMP_CACHE)" in example
    assert "errors" not in answer
    nodes = [edge["node"] for edge in answer["data"]["articles"]["edges"]]
    assert len(nodes) == 5
    assert all(node["provider"]["name"] and node["topics"] for node in nodes)
    assert any(node["images"] for node in nodes)


@pytest.mark.asyncio
async def test_with_graphiql_off_a_browser_gets_a_graphql_error_and_no_files() -> None:
    async with running(app(graphiql=False)) as client:
        bare = await client.get("/graphql", headers=BROWSER)
        script = await client.get("/-/graphiql/graphiql.js", headers=BROWSER)
        queried = await client.get("/graphql", params={"query": QUERY}, headers=BROWSER)
    assert bare.status_code == 400
    [error] = bare.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"} and "No GraphQL query" in error["message"]
    assert script.status_code == 404
    assert queried.status_code == 200 and queried.json()["data"]["topics"]
