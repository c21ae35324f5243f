"""Strawberry's execution on worker threads: where it runs, and how work a thread still runs
stops once its request is over (a thread cannot be cancelled from outside)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import strawberry
from prometheus_client.parser import text_string_to_metric_families
from starlette.types import Message

from newsgraph.plugin_api import Article, ArticleField, SchemaAddition, hookimpl
from newsgraph.schema.deadline import expired
from newsgraph.server.budget import Budget, RequestBudget
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.endpoint import GraphQLEndpoint
from newsgraph.server.plugin_manager import load_plugins
from newsgraph.server.runtime import Runtime
from newsgraph.testing import client, execute, make_app
from tests.conftest import SEEDS
from tests.server.test_hooks import SEED_SOURCE

THREAD = "{ articles(first: 2) { edges { node { thread } } } }"


class Extend:
    """A plugin adding what `extend_schema` returns."""

    def __init__(self, addition: SchemaAddition) -> None:
        self.addition = addition

    @hookimpl
    def extend_schema(self) -> SchemaAddition:
        return self.addition


def running_thread(article: Article) -> str:
    return threading.current_thread().name


@strawberry.type
class Ping:
    @strawberry.field
    async def ping(self) -> str:
        return "pong"


@pytest.mark.asyncio
async def test_strawberry_runs_on_a_worker_thread() -> None:
    thread = ArticleField("thread", "String", running_thread)
    app = make_app(
        ("thread", Extend(SchemaAddition(article_fields=[thread]))), sources=[SEED_SOURCE]
    )
    result = await execute(app, THREAD)
    names = {edge["node"]["thread"] for edge in result["data"]["articles"]["edges"]}
    assert len(names) == 1 and names.pop().startswith("newsgraph-graphql")


@pytest.mark.asyncio
async def test_an_async_resolver_keeps_execution_on_the_loop() -> None:
    thread = ArticleField("thread", "String", running_thread)
    app = make_app(
        ("thread", Extend(SchemaAddition(query=Ping, article_fields=[thread]))),
        sources=[SEED_SOURCE],
    )
    result = await execute(app, "{ ping " + THREAD[1:])
    assert result["data"]["ping"] == "pong"
    names = {edge["node"]["thread"] for edge in result["data"]["articles"]["edges"]}
    assert names == {threading.current_thread().name}  # the event loop's


class Gate:
    """An `Article` field that holds its worker thread until released, then notes whether
    the request's work had been called off by then."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.called_off: list[bool] = []

    def __call__(self, article: Article) -> int:
        self.entered.set()
        self.release.wait(30)
        self.called_off.append(expired())
        return 1

    async def noted(self) -> bool:
        while not self.called_off:
            await asyncio.sleep(0.01)
        return self.called_off[0]


async def endpoint_with(gate: Gate) -> GraphQLEndpoint:
    addition = SchemaAddition(article_fields=[ArticleField("gate", "Int", gate)])
    plugins = load_plugins(frozenset(), extra=[("gate", Extend(addition))])
    runtime = Runtime(Config(sources=folder_sources([SEEDS])), plugins)
    await runtime.load()
    return GraphQLEndpoint(runtime)


POST: dict[str, Any] = {
    "type": "http",
    "method": "POST",
    "path": "/graphql",
    "query_string": b"",
    "headers": [(b"content-type", b"application/json"), (b"accept", b"application/json")],
}


GATED = "{ articles(first: 1) { edges { node { gate } } } }"


def channels(
    gone: asyncio.Event, sent: list[Message]
) -> tuple[Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]]:
    body = [{"type": "http.request", "body": json.dumps({"query": GATED}).encode()}]

    async def receive() -> Message:
        if body:
            return body.pop()
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    return receive, send


@pytest.mark.asyncio
async def test_work_on_a_thread_is_called_off_when_the_client_goes_away() -> None:
    gate = Gate()
    budget = RequestBudget(await endpoint_with(gate), Budget(seconds=60))
    gone, sent = asyncio.Event(), list[Message]()
    receive, send = channels(gone, sent)
    request = asyncio.create_task(budget(POST, receive, send))
    assert await asyncio.to_thread(gate.entered.wait, 30)
    gone.set()
    async with asyncio.timeout(10):  # the request ends while its thread still works
        await request
    assert budget.abandoned == 1 and sent == [] and gate.called_off == []
    gate.release.set()
    assert await gate.noted()  # long before its 60 s: `articles` and `similar` stop here


@pytest.mark.asyncio
async def test_work_on_a_thread_past_its_budget_is_a_timeout_and_is_called_off() -> None:
    gate = Gate()
    budget = RequestBudget(await endpoint_with(gate), Budget(seconds=0.5))
    sent: list[Message] = []
    receive, send = channels(asyncio.Event(), sent)
    async with asyncio.timeout(10):
        await budget(POST, receive, send)
    assert sent[0]["status"] == 503
    assert json.loads(sent[1]["body"])["errors"][0]["extensions"]["code"] == "TIMEOUT"
    gate.release.set()
    assert await gate.noted()


FAST_LANE = "{ articles(first: 2) { edges { node { title } } } }"


@pytest.mark.asyncio
async def test_work_left_on_every_thread_sheds_only_what_needs_a_thread() -> None:
    gate = Gate()
    fields = [ArticleField("gate", "Int", gate), ArticleField("thread", "String", running_thread)]
    app = make_app(
        ("gate", Extend(SchemaAddition(article_fields=fields))),
        sources=[SEED_SOURCE],
        max_running=2,  # two places, two threads
        max_queued=0,
        request_timeout=0.5,
    )
    gated, cached = {"query": GATED}, {"query": THREAD}
    async with client(app) as http:
        first_cached = await http.post("/graphql", json=cached)
        # Each leaves its thread waiting at the gate and gives its place back.
        timed_out = [await http.post("/graphql", json=gated) for _ in range(2)]
        before = await answered_by(http)
        shed = await http.post("/graphql", json=gated)
        fast = await http.post("/graphql", json={"query": FAST_LANE})
        from_cache = await http.post("/graphql", json=cached)
        during = await answered_by(http)
        gate.release.set()
        assert await gate.noted()
        answered = await http.post("/graphql", json=gated)
        async with asyncio.timeout(10):  # a bound on the wait, not a measure
            while answered.status_code == 503:  # until both threads have finished
                await asyncio.sleep(0.01)
                answered = await http.post("/graphql", json=gated)
    assert [code(response) for response in timed_out] == ["TIMEOUT", "TIMEOUT"]
    # Not queued behind the held threads until its own TIMEOUT: refused at once.
    assert (shed.status_code, code(shed)) == (503, "OVERLOADED")
    assert shed.headers["retry-after"] == "1"
    assert fast.status_code == 200 and len(fast.json()["data"]["articles"]["edges"]) == 2
    assert (from_cache.status_code, from_cache.json()) == (200, first_cached.json())
    assert during["direct"] == before["direct"] + 1
    assert during["cache"] == before["cache"] + 1
    assert answered.json() == {"data": {"articles": {"edges": [{"node": {"gate": 1}}]}}}


async def answered_by(http: httpx.AsyncClient) -> dict[str, float]:
    """The endpoint's count of GraphQL requests by what answered them, from `/-/metrics`."""
    scraped = (await http.get("/-/metrics")).text
    family = next(
        f for f in text_string_to_metric_families(scraped) if f.name == "newsgraph_graphql_requests"
    )
    return {sample.labels["answered_by"]: sample.value for sample in family.samples}


def code(response: httpx.Response) -> str:
    found: str = response.json()["errors"][0]["extensions"]["code"]
    return found
