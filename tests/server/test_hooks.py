"""One test per hook: each plugin contract exercised through a real app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import strawberry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from newsgraph.plugin_api import (
    Article,
    ArticleField,
    Context,
    Links,
    RawRecord,
    RegisterSourceType,
    Related,
    SchemaAddition,
    SourceBatch,
    UrlPreference,
    hookimpl,
)
from newsgraph.server.config import SourceConfig
from newsgraph.server.plugin_manager import PluginError
from newsgraph.testing import client, execute, make_app, run_source
from tests.conftest import SEEDS
from tests.server.test_entrance import Stamp

SEED_SOURCE = SourceConfig("yaml_folder", "seeds", {"path": str(SEEDS)})


class Plugin:
    """A plugin object; compared by identity, as pluggy expects."""


def plugin(**hooks: Any) -> Plugin:
    """A plugin object made of the given hook implementations."""
    made = Plugin()
    for name, function in hooks.items():
        setattr(made, name, hookimpl(function))
    return made


class StaticSource:
    """A source type for tests: options {"titles": [...]} become articles."""

    def __init__(self, name: str, options: Mapping[str, object]) -> None:
        titles = options.get("titles")
        if not isinstance(titles, list):
            raise ValueError("titles: required, a list")
        self.titles = [str(t) for t in titles]

    async def load(self) -> SourceBatch:
        records = [
            RawRecord(
                {
                    "title": title,
                    "publishedDateTime": f"2024-01-{n + 1:02d}T00:00:00Z",
                    "webUrl": f"https://static.example.com/{n}",
                    "provider": {"name": "Static", "domain": "static.example.com"},
                },
                "static",
            )
            for n, title in enumerate(self.titles)
        ]
        return SourceBatch(articles=records)


def register_static(register: RegisterSourceType) -> None:
    register("static", StaticSource)


def test_hook_configure_plugin() -> None:
    received: list[Mapping[str, object]] = []

    def configure_plugin(settings: Mapping[str, object]) -> None:
        if "bad" in settings:
            raise ValueError("bad: not accepted")
        received.append(settings)

    mine = plugin(configure_plugin=configure_plugin)
    make_app(("mine", mine), settings={"mine": {"level": 3}})
    assert received == [{"level": 3}]
    with pytest.raises(PluginError, match=r"plugins\.mine\.bad: not accepted"):
        make_app(("mine", mine), settings={"mine": {"bad": 1}})
    with pytest.raises(PluginError, match=r"plugins\.absent: no plugin of that name"):
        make_app(settings={"absent": {}})


@pytest.mark.asyncio
async def test_hook_register_source_types() -> None:
    app = make_app(
        ("static", plugin(register_source_types=register_static)),
        sources=[SourceConfig("static", "one", {"titles": ["Alpha", "Beta"]})],
    )
    result = await execute(app, "{ articles { edges { node { title source } } } }")
    titles = [e["node"] for e in result["data"]["articles"]["edges"]]
    assert titles == [{"title": "Beta", "source": "one"}, {"title": "Alpha", "source": "one"}]
    static = ("static", plugin(register_source_types=register_static))
    batch = await run_source("static", {"titles": ["Gamma"]}, static)
    assert [r.data["title"] for r in batch.articles] == ["Gamma"]


def test_two_plugins_registering_one_source_type_fail_naming_both() -> None:
    with pytest.raises(PluginError, match="'static' is registered by both 'second' and 'first'"):
        make_app(
            ("first", plugin(register_source_types=register_static)),
            ("second", plugin(register_source_types=register_static)),
        )


@pytest.mark.asyncio
async def test_hook_enrich_article() -> None:
    def add_topic(article: Article) -> Mapping[str, object] | None:
        return {"topics": (*article.topics, "Enriched")}

    def broken(article: Article) -> Mapping[str, object] | None:
        if article.title == "Beta":
            raise RuntimeError("boom")
        return {"title": article.title.upper()}

    def bad_patch(article: Article) -> Mapping[str, object] | None:
        return {"id": "forged"}

    app = make_app(
        ("static", plugin(register_source_types=register_static)),
        ("adds", plugin(enrich_article=add_topic)),
        ("broken", plugin(enrich_article=broken)),
        ("forger", plugin(enrich_article=bad_patch)),
        sources=[SourceConfig("static", "one", {"titles": ["Alpha", "Beta"]})],
    )
    async with client(app) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ articles { edges { node { id title topics { name } } } } }"},
        )
    nodes = [e["node"] for e in response.json()["data"]["articles"]["edges"]]
    assert [n["title"] for n in nodes] == ["Beta", "ALPHA"]
    assert all(n["topics"] == [{"name": "Enriched"}] for n in nodes)
    assert all(n["id"] != "forged" for n in nodes)
    problems = [str(p) for p in app.state.runtime.ingested.problems]
    assert any("plugin broken" in p and "1 of 2" in p and "boom" in p for p in problems)
    assert any("plugin forger" in p and "id: not a field" in p for p in problems)


@pytest.mark.asyncio
async def test_related_stories_an_enricher_adds_have_ids_that_find_them() -> None:
    def add_related(article: Article) -> Mapping[str, object] | None:
        story = Related(f"About {article.title}", Links(f"https://more.example/{article.id}", None))
        return {"related": (story,)}

    app = make_app(
        ("static", plugin(register_source_types=register_static)),
        ("adds", plugin(enrich_article=add_related)),
        sources=[SourceConfig("static", "one", {"titles": ["Alpha", "Beta"]})],
    )
    query = "{ articles { edges { node { related { id title } } } } }"
    async with client(app) as http:
        listed = (await http.post("/graphql", json={"query": query})).json()["data"]
        stories = [e["node"]["related"][0] for e in listed["articles"]["edges"]]
        found = await http.post(
            "/graphql",
            json={
                "query": "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Related { id title } } }",
                "variables": {"ids": [s["id"] for s in stories]},
            },
        )
    assert [s["title"] for s in stories] == ["About Beta", "About Alpha"]
    assert found.json() == {"data": {"nodes": stories}}


@pytest.mark.asyncio
async def test_an_enricher_that_hangs_is_timed_out() -> None:
    def slow(article: Article) -> Mapping[str, object] | None:
        import time

        time.sleep(0.5)
        return {"title": "never"}

    app = make_app(
        ("static", plugin(register_source_types=register_static)),
        ("slow", plugin(enrich_article=slow)),
        sources=[SourceConfig("static", "one", {"titles": ["Alpha"]})],
        enrich_timeout=0.05,
    )
    result = await execute(app, "{ articles { edges { node { title } } } }")
    assert result["data"]["articles"]["edges"] == [{"node": {"title": "Alpha"}}]
    problems = [str(p) for p in app.state.runtime.ingested.problems]
    assert any("did not finish within 0.05 s" in p for p in problems)


@pytest.mark.asyncio
async def test_hook_select_url() -> None:
    def select_url(links: Links, preference: UrlPreference) -> str | None:
        if preference is UrlPreference.AMP:
            return links.canonical + "#amp-by-plugin"
        return None

    app = make_app(("amp", plugin(select_url=select_url)), sources=[SEED_SOURCE])
    result = await execute(
        app, "{ articles(first: 1) { edges { node { webUrl url amp: url(prefer: AMP) } } } }"
    )
    node = result["data"]["articles"]["edges"][0]["node"]
    assert node["amp"] == node["webUrl"] + "#amp-by-plugin"
    assert node["url"] == node["webUrl"]


@pytest.mark.asyncio
async def test_select_url_sees_the_article_so_one_provider_can_prefer_amp() -> None:
    seen: list[type] = []

    def select_url(
        links: Links, preference: UrlPreference, article: Article | Related
    ) -> str | None:
        seen.append(type(article))
        if article.provider is not None and article.provider.domain == chosen:
            return links.amp_web_url or links.canonical
        return None

    query = """{ articles(first: 100) { edges { node { webUrl originalUrl ampWebUrl url
        provider { domain } related { url } } } } }"""
    plain = await execute(make_app(sources=[SEED_SOURCE]), query)
    nodes = [edge["node"] for edge in plain["data"]["articles"]["edges"]]
    chosen = next(n["provider"]["domain"] for n in nodes if n["ampWebUrl"])
    app = make_app(("amp_for_one", plugin(select_url=select_url)), sources=[SEED_SOURCE])
    result = await execute(app, query)
    for node in (edge["node"] for edge in result["data"]["articles"]["edges"]):
        mine = node["provider"]["domain"] == chosen and node["ampWebUrl"]
        canonical = node["webUrl"] or node["originalUrl"]
        assert node["url"] == (node["ampWebUrl"] if mine else canonical)
    assert Article in seen and Related in seen


@strawberry.type
class ExtraQuery:
    @strawberry.field
    def article_total(self, info: strawberry.Info) -> int:
        context: Context = info.context
        return len(context.catalog)


@pytest.mark.asyncio
async def test_hook_extend_schema() -> None:
    def extend_schema() -> SchemaAddition:
        return SchemaAddition(
            query=ExtraQuery,
            article_fields=[ArticleField("titleLength", "Int!", lambda a: len(a.title))],
        )

    app = make_app(("extra", plugin(extend_schema=extend_schema)), sources=[SEED_SOURCE])
    result = await execute(
        app, "{ articleTotal articles(first: 1) { edges { node { title titleLength } } } }"
    )
    node = result["data"]["articles"]["edges"][0]["node"]
    assert node["titleLength"] == len(node["title"])
    assert result["data"]["articleTotal"] >= 40

    from newsgraph.schema.extend import SchemaConflict

    with pytest.raises(SchemaConflict, match="added by both plugin 'b' and plugin 'a'"):
        make_app(
            ("a", plugin(extend_schema=extend_schema)), ("b", plugin(extend_schema=extend_schema))
        )

    def steal() -> SchemaAddition:
        return SchemaAddition(article_fields=[ArticleField("title", "String", lambda a: "")])

    with pytest.raises(
        SchemaConflict, match="'title' is added by both newsgraph and plugin 'thief'"
    ):
        make_app(("thief", plugin(extend_schema=steal)))


@pytest.mark.asyncio
async def test_hook_register_routes() -> None:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    def register_routes() -> list[Route]:
        return [Route("/hello", hello)]

    app = make_app(("hello", plugin(register_routes=register_routes)))
    async with client(app) as http:
        assert (await http.get("/hello")).text == "hello"

    def clash() -> list[Route]:
        return [Route("/healthz", hello)]

    with pytest.raises(PluginError, match="'/healthz' is added by both newsgraph and plugin 'c'"):
        make_app(("c", plugin(register_routes=clash)))


@pytest.mark.asyncio
async def test_hook_register_middleware() -> None:
    app = make_app(("stamp", plugin(register_middleware=lambda: [Middleware(Stamp)])))
    async with client(app) as http:
        assert (await http.get("/healthz")).headers["x-stamp"] == "yes"


@pytest.mark.asyncio
async def test_hook_lifespan() -> None:
    events: list[str] = []

    def lifespan(app: Starlette) -> Any:
        @asynccontextmanager
        async def running() -> AsyncIterator[None]:
            events.append("start")
            yield
            events.append("stop")

        return running()

    app = make_app(("life", plugin(lifespan=lifespan)))
    async with client(app) as http:
        await http.get("/healthz")
        assert events == ["start"]
    assert events == ["start", "stop"]


def test_tracing_logs_hook_calls() -> None:
    lines: list[str] = []
    from newsgraph.server.plugin_manager import load_plugins

    plugins = load_plugins(frozenset(), trace=lines.append)
    plugins.source_types()
    plugins.select_url(
        Links("https://a.example/", None),
        UrlPreference.AMP,
        Related("A", Links("https://a.example/", None)),
    )
    assert any("select_url" in line for line in lines)


def test_make_app_runs_without_event_loop_leaks(tmp_path: Path) -> None:
    app = make_app(sources=[SourceConfig("yaml_folder", "empty", {"path": str(tmp_path)})])

    async def main() -> int:
        async with client(app) as http:
            return (await http.get("/healthz")).json()["counts"]["visible"]

    assert asyncio.run(main()) == 0


@pytest.mark.asyncio
async def test_implementations_may_omit_arguments() -> None:
    events: list[str] = []

    def lifespan() -> Any:  # declares no `app`: hooks may gain arguments without breaking it
        @asynccontextmanager
        async def running() -> AsyncIterator[None]:
            events.append("start")
            yield

        return running()

    async with client(make_app(("old", plugin(lifespan=lifespan)))):
        assert events == ["start"]


@pytest.mark.asyncio
async def test_a_plugin_field_that_fails_on_one_article_nulls_only_that_article() -> None:
    def fussy(article: Article) -> int:
        if article.title.startswith("A"):
            raise ValueError("no titles starting with A")
        return len(article.title)

    def extend_schema() -> SchemaAddition:
        # Declared non-null, as plugin authors often do: it is served nullable all the same.
        return SchemaAddition(article_fields=[ArticleField("titleLength", "Int!", fussy)])

    app = make_app(("fussy", plugin(extend_schema=extend_schema)), sources=[SEED_SOURCE])
    result = await execute(app, "{ articles(first: 100) { edges { node { title titleLength } } } }")
    nodes = [edge["node"] for edge in result["data"]["articles"]["edges"]]
    failed = [n for n in nodes if n["title"].startswith("A")]
    assert failed and len(failed) < len(nodes)
    assert all(n["titleLength"] is None for n in failed)
    assert all(n["titleLength"] == len(n["title"]) for n in nodes if n not in failed)
    assert len(result["errors"]) == len(failed)
    assert {e["message"] for e in result["errors"]} == {"no titles starting with A"}
    assert all(e["path"][-1] == "titleLength" for e in result["errors"])
