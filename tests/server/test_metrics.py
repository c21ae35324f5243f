"""`/-/metrics` in Prometheus' text format, and the admin endpoints behind a token or on a
port of their own."""

from __future__ import annotations

import httpx
import pytest

from newsgraph.server.config import ConfigError, SourceConfig, load_config
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS, WriteTree, front_matter
from tests.server.scrape import samples

SEED_SOURCE = SourceConfig("yaml_folder", "seeds", {"path": str(SEEDS)})
TOKEN = "a-long-admin-secret-0123"


@pytest.mark.asyncio
async def test_metrics_count_requests_cache_sources_and_the_snapshot(
    write_tree: WriteTree,
) -> None:
    folder = write_tree({"a.md": front_matter()})
    source = SourceConfig("yaml_folder", "news", {"path": str(folder)})
    app = make_app(sources=[source])
    query = {"query": "{ articles { totalCount } }"}
    async with client(app) as http:
        await http.post("/graphql", json=query)
        await http.post("/graphql", json=query)
        await http.post("/graphql", json={"query": "{ nope }"})
        await http.get("/no/such/page")
        (folder / "b.md").write_text(
            front_matter(webUrl='"https://news.example.com/b"'), encoding="utf-8"
        )
        await app.state.runtime.load()
        response = await http.get("/-/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)

    def value(name: str, **labels: str) -> float:
        return found[(name, tuple(sorted(labels.items())))]

    requests = "newsgraph_http_requests_total"
    assert value(requests, route="/graphql", method="POST", status="200", code="") == 2
    assert (
        value(
            requests,
            route="/graphql",
            method="POST",
            status="200",
            code="GRAPHQL_VALIDATION_FAILED",
        )
        == 1
    )
    assert value(requests, route="unmatched", method="GET", status="404", code="NOT_FOUND") == 1
    assert value("newsgraph_http_request_duration_seconds_count", route="/graphql") == 3
    assert value("newsgraph_http_requests_in_flight") == 1  # the scrape itself
    assert value("newsgraph_response_cache_lookups_total", result="hit") == 1
    assert value("newsgraph_source_articles", source="news", count="visible") == 2
    assert value("newsgraph_source_articles", source="news", count="records_read") == 2
    assert value("newsgraph_source_up", source="news") == 1
    assert value("newsgraph_source_last_success_timestamp_seconds", source="news") > 0
    assert value("newsgraph_load_duration_seconds_count") == 2
    assert value("newsgraph_snapshot_version") == 2


@pytest.mark.asyncio
async def test_an_admin_token_guards_the_admin_endpoints_only() -> None:
    app = make_app(sources=[SEED_SOURCE], admin_token=TOKEN)
    async with client(app) as http:
        refused = [await http.get(path) for path in ("/-/metrics", "/-/sources", "/-/plugins")]
        wrong = await http.get("/-/sources", headers={"Authorization": "Bearer nope"})
        allowed = await http.get("/-/sources", headers={"Authorization": f"Bearer {TOKEN}"})
        public = [await http.get(path) for path in ("/healthz", "/readyz")]
    assert {r.status_code for r in refused} == {401} and wrong.status_code == 401
    assert refused[0].headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in refused[0].json()["error"]
    assert allowed.status_code == 200 and allowed.json()[0]["name"] == "seeds"
    assert {r.status_code for r in public} == {200}


@pytest.mark.asyncio
async def test_with_an_admin_port_the_admin_endpoints_leave_the_main_app() -> None:
    app = make_app(sources=[SEED_SOURCE], admin_port=9999)
    async with client(app) as http:
        hidden = await http.get("/-/metrics")
        transport = httpx.ASGITransport(app=app.state.admin)
        async with httpx.AsyncClient(transport=transport, base_url="http://admin") as admin:
            sources = await admin.get("/-/sources")
            scraped = await admin.get("/-/metrics")
    assert hidden.status_code == 404
    assert sources.json()[0]["counts"]["visible"] == 43, (
        "the admin app reads the main app's runtime"
    )
    assert "newsgraph_snapshot_version 1.0" in scraped.text


def test_admin_settings_are_checked(tmp_path: object) -> None:
    config = load_config(environ={"NEWSGRAPH_ADMIN_TOKEN": TOKEN})
    assert config.admin_token == TOKEN
    with pytest.raises(
        ConfigError,
        match=r"server.admin_token: expected at least 16 characters \(from NEWSGRAPH_ADMIN_TOKEN\)",
    ):
        load_config(environ={"NEWSGRAPH_ADMIN_TOKEN": "short"})


@pytest.mark.asyncio
async def test_refusals_before_graphql_are_counted_with_their_code() -> None:
    app = make_app(max_body_bytes=1024)
    async with client(app) as http:
        refused = await http.post("/graphql", json={"query": "{ articles { totalCount } }" * 100})
        text = (await http.get("/-/metrics")).text
    assert refused.status_code == 413
    counted = [
        (dict(labels), value)
        for (name, labels), value in samples(text).items()
        if name == "newsgraph_http_requests_total" and ("code", "REQUEST_TOO_LARGE") in labels
    ]
    assert [(labels["status"], value) for labels, value in counted] == [("413", 1)]


@pytest.mark.asyncio
async def test_preflights_and_405s_are_counted_under_the_route_they_ask_about() -> None:
    app = make_app(sources=[SEED_SOURCE], cors_allow_origins=("https://app.example",))
    preflight = {"origin": "https://app.example", "access-control-request-method": "POST"}
    async with client(app) as http:
        allowed = await http.options("/graphql", headers=preflight)
        refused = await http.options(
            "/graphql", headers={**preflight, "origin": "https://x.example"}
        )
        put = await http.put("/graphql", json={})
        stray = await http.options("/no/such/page", headers=preflight)
        found = samples((await http.get("/-/metrics")).text)
    assert (allowed.status_code, refused.status_code, put.status_code) == (200, 400, 405)
    assert stray.status_code == 200  # a preflight is answered whatever the path

    def counted(**labels: str) -> float:
        return found.get(("newsgraph_http_requests_total", tuple(sorted(labels.items()))), 0)

    graphql = {"route": "/graphql"}
    assert counted(**graphql, method="OPTIONS", status="200", code="") == 1
    assert counted(**graphql, method="OPTIONS", status="400", code="BAD_REQUEST") == 1
    assert counted(**graphql, method="PUT", status="405", code="METHOD_NOT_ALLOWED") == 1
    assert counted(route="unmatched", method="OPTIONS", status="200", code="") == 1
