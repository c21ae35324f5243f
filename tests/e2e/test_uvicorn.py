"""End to end: the `newsgraph serve` command in a real uvicorn on a free loopback port."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEEDS
from tests.e2e.conftest import free_port, serving
from tests.server.test_app import ACCEPTANCE_QUERY


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(str(SEEDS)) as (base, output):
        yield base
    # The start-up line carries the counts.
    assert any(
        "newsgraph: 47 records read, 47 articles: 43 visible, 4 drafts, 0 duplicates; 8 topics"
        in line
        for line in output
    )


def test_acceptance_query_over_get_and_post(server: str) -> None:
    posted = httpx.post(f"{server}/graphql", json={"query": ACCEPTANCE_QUERY}, timeout=10)
    got = httpx.get(f"{server}/graphql", params={"query": ACCEPTANCE_QUERY}, timeout=10)
    assert posted.status_code == got.status_code == 200
    assert posted.json() == got.json()
    edges = posted.json()["data"]["articles"]["edges"]
    assert len(edges) == 5
    assert all(edge["node"]["url"].startswith("https://") for edge in edges)
    assert all(edge["node"]["provider"]["name"] for edge in edges)


def test_graphiql_page(server: str) -> None:
    page = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_hostile_query_is_a_graphql_error(server: str) -> None:
    deep = (
        "{ articles { edges { node { " + "related { article { " * 8 + "id" + " } }" * 8 + " } } } }"
    )
    response = httpx.post(f"{server}/graphql", json={"query": deep}, timeout=10)
    assert response.status_code == 200
    assert "maximum operation depth" in json.dumps(response.json()["errors"])


def test_json_lines_logging_without_the_access_log() -> None:
    with serving(str(SEEDS), "--log-format", "json", "--no-access-log") as (base, output):
        assert httpx.get(f"{base}/readyz", timeout=10).status_code == 200
    entries = [json.loads(line) for line in output if line.strip()]
    assert entries, "the server logged nothing"
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert any(e["logger"] == "newsgraph" and "records read" in e["message"] for e in entries)
    assert not [e for e in entries if e["logger"] == "uvicorn.access"]


def test_the_access_log_is_on_by_default() -> None:
    with serving(str(SEEDS)) as (base, output):
        httpx.get(f"{base}/readyz", timeout=10)
    assert any('"GET /readyz HTTP/1.1" 200' in line for line in output)


def test_admin_endpoints_on_their_own_port(tmp_path: Path) -> None:
    admin_port = free_port()
    config = tmp_path / "newsgraph.yaml"
    config.write_text(
        f"sources: [{{type: yaml_folder, name: seeds, options: {{path: {SEEDS}}}}}]\n"
        f"server: {{admin_port: {admin_port}}}\n",
        encoding="utf-8",
    )
    with serving("--config", str(config)) as (base, output):
        public = httpx.get(f"{base}/-/metrics", timeout=10)
        scraped = httpx.get(f"http://127.0.0.1:{admin_port}/-/metrics", timeout=10)
        ready = httpx.get(f"{base}/readyz", timeout=10)
    assert public.status_code == 404
    assert scraped.status_code == 200 and "newsgraph_source_up" in scraped.text
    assert ready.status_code == 200
    # Both servers stopped on the one signal: the start-up and shutdown lines of each.
    assert sum("Application startup complete" in line for line in output) == 1
    assert sum("Finished server process" in line for line in output) == 2


def test_static_api_and_feeds_as_the_export_writes_them(
    server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from newsgraph.server.cli import main

    out = tmp_path_factory.mktemp("site")
    assert main(["export-static", str(out), str(SEEDS), "--site-url", server]) == 0
    # The served tree and the exported one are the same bytes, feeds' links included.
    for path in ("news/index.json", "news/page/2/index.json", "news/ai/rss.xml", "news/atom.xml"):
        response = httpx.get(f"{server}/api/{path}", timeout=10)
        assert response.status_code == 200, path
        assert response.content == (out / "api" / path).read_bytes(), path
