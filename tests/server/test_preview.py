"""Drafts: invisible through every query path without the preview credential, visible with it."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from newsgraph.engine.model import article_id
from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.testing import client as running
from tests.conftest import WriteTree, front_matter

TOKEN = "a-preview-secret-of-some-length"
DRAFT_URL = "https://news.example.com/lunar-rover-draft"
DRAFT_ID = base64.b64encode(f"Article:{article_id(DRAFT_URL)}".encode()).decode()


def content(write_tree: WriteTree) -> Any:
    shared = {"topics": "\n  - Space\n  - Robotics"}
    return write_tree(
        {
            "published.md": front_matter(
                title='"Lunar rover crosses the crater rim"',
                webUrl='"https://news.example.com/lunar-rover"',
                publishedDateTime="2024-05-02T10:00:00Z",
                related=f'\n  - title: "The draft"\n    webUrl: "{DRAFT_URL}"',
                **shared,
            ),
            "other.md": front_matter(
                title='"Garden robots learn to weed"',
                webUrl='"https://news.example.com/garden"',
                publishedDateTime="2024-05-01T10:00:00Z",
            ),
            "draft.md": front_matter(
                title='"Lunar rover crosses the crater floor"',
                webUrl=f'"{DRAFT_URL}"',
                publishedDateTime="2024-05-03T10:00:00Z",
                published="false",
                **shared,
            ),
        }
    )


EVERY_PATH = f"""{{
  byUrl: article(url: "{DRAFT_URL}") {{ title }}
  byId: article(id: "{article_id(DRAFT_URL)}") {{ title }}
  byGlobalId: article(id: "{DRAFT_ID}") {{ title }}
  byNode: node(id: "{DRAFT_ID}") {{ id ... on Article {{ title }} }}
  byNodes: nodes(ids: ["{DRAFT_ID}"]) {{ id }}
  list: articles {{ totalCount edges {{ node {{ title }} }} }}
  search: articles(filter: {{search: "crater"}}) {{ totalCount edges {{ node {{ title }} }} }}
  facets: articles {{ facets {{ topics {{ value count }} months {{ value count }} }} }}
  topic(name: "Space") {{ articleCount articles {{ totalCount }} }}
  provider(domain: "example.com") {{ articleCount }}
  withLinks: articles(filter: {{search: "rim"}}) {{ edges {{ node {{
    related {{ article {{ title }} }}
    similar {{ article {{ title }} }}
  }} }} }}
}}"""


async def ask(client: Any, query: str, headers: dict[str, str] | None = None) -> Any:
    response = await client.post("/graphql", json={"query": query}, headers=headers or {})
    return response.json()


@pytest.mark.asyncio
async def test_without_the_credential_no_draft_appears_anywhere(write_tree: WriteTree) -> None:
    app = create_app(Config(sources=folder_sources([content(write_tree)]), preview_token=TOKEN))
    async with running(app) as client:
        for headers in (None, {"X-Newsgraph-Preview": "wrong"}, {"X-Other": TOKEN}):
            result = await ask(client, EVERY_PATH, headers)
            assert "errors" not in result
            assert "floor" not in str(result["data"])  # the draft's title, nowhere
            assert result["data"]["byUrl"] is None and result["data"]["byId"] is None
            assert result["data"]["byGlobalId"] is None and result["data"]["byNode"] is None
            assert result["data"]["byNodes"] == [None]
            assert result["data"]["list"]["totalCount"] == 2
            assert result["data"]["search"]["totalCount"] == 1
            assert result["data"]["topic"]["articleCount"] == 1
            asked = await ask(
                client, "{ articles(filter: {visibility: DRAFT}) { totalCount } }", headers
            )
            assert "preview credential" in asked["errors"][0]["message"]


@pytest.mark.asyncio
async def test_with_the_credential_drafts_are_found_and_listed_on_request(
    write_tree: WriteTree,
) -> None:
    app = create_app(Config(sources=folder_sources([content(write_tree)]), preview_token=TOKEN))
    headers = {"X-Newsgraph-Preview": TOKEN}
    async with running(app) as client:
        result = await ask(client, EVERY_PATH, headers)
        drafts = await ask(
            client,
            "{ articles(filter: {visibility: DRAFT}) { edges { node { title published } } } "
            'all: articles(filter: {visibility: ALL, search: "crater"}) { totalCount } }',
            headers,
        )
        public = await ask(client, EVERY_PATH)
    data = result["data"]
    assert data["byUrl"]["title"] == "Lunar rover crosses the crater floor"
    assert data["byId"] == data["byUrl"] == data["byGlobalId"]
    assert data["byNode"] == {"id": DRAFT_ID, "title": "Lunar rover crosses the crater floor"}
    assert data["byNodes"] == [{"id": DRAFT_ID}]
    assert data["list"]["totalCount"] == 2  # lists show drafts only when asked
    links = data["withLinks"]["edges"][0]["node"]
    assert links["related"][0]["article"]["title"] == "Lunar rover crosses the crater floor"
    assert "floor" in str(links["similar"])
    assert drafts["data"]["articles"]["edges"] == [
        {"node": {"title": "Lunar rover crosses the crater floor", "published": False}}
    ]
    assert drafts["data"]["all"]["totalCount"] == 2
    assert "floor" not in str(public["data"])  # a preview answer is never cached for others


@pytest.mark.asyncio
async def test_without_a_configured_token_there_is_no_preview(write_tree: WriteTree) -> None:
    app = create_app(Config(sources=folder_sources([content(write_tree)])))
    async with running(app) as client:
        result = await ask(client, EVERY_PATH, {"X-Newsgraph-Preview": ""})
    assert result["data"]["byUrl"] is None
