"""Per-request budgets: time, answer size."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from newsgraph.schema.deadline import expired
from newsgraph.server.app import create_app
from newsgraph.server.budget import Budget, RequestBudget
from newsgraph.server.config import Config, folder_sources
from newsgraph.testing import client as running
from tests.conftest import SEEDS

PAGE = "{ articles(first: 50) { edges { node { id title excerpt url } } } }"


def app(**server: Any) -> Any:
    return create_app(Config(sources=folder_sources([SEEDS]), **server))


@pytest.mark.asyncio
@pytest.mark.parametrize("direct_executor", [True, False])
async def test_a_request_past_its_time_budget_is_a_503_timeout(direct_executor: bool) -> None:
    async with running(app(request_timeout=1e-9, direct_executor=direct_executor)) as client:
        response = await client.post("/graphql", json={"query": PAGE})
        health = await client.get("/healthz")
        metrics = (await client.get("/-/metrics")).text
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert health.status_code == 200
    assert 'route="/graphql",status="503"' in metrics


@pytest.mark.asyncio
async def test_an_answer_past_the_size_cap_is_refused_and_a_small_one_passes() -> None:
    async with running(app(max_response_bytes=2000)) as client:
        large = await client.post("/graphql", json={"query": PAGE})
        small = await client.post("/graphql", json={"query": "{ articles { totalCount } }"})
    assert large.status_code == 400
    (error,) = large.json()["errors"]
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE" and "2000" in error["message"]
    assert small.json()["data"]["articles"]["totalCount"] > 0


@pytest.mark.asyncio
async def test_work_stops_when_the_client_goes_away() -> None:
    stopped = asyncio.Event()

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # the body
        try:
            await asyncio.sleep(60)  # long work, with pauses
        finally:
            stopped.set()

    messages = [{"type": "http.request", "body": b"{}", "more_body": False}]
    gone = asyncio.Event()

    async def receive() -> Message:
        if messages:
            return messages.pop()
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent to a client that went away")

    budget = RequestBudget(endless, Budget(seconds=60))
    request = asyncio.create_task(budget({"type": "http"}, receive, send))
    await asyncio.sleep(0.5)  # past the moment a watch starts
    gone.set()
    async with asyncio.timeout(10):  # generous: proves "not stalled"
        await request
    assert stopped.is_set() and budget.abandoned == 1


@pytest.mark.asyncio
async def test_a_request_s_deadline_ends_with_it() -> None:
    # A caller awaiting requests one after another in one task (the benchmarks, httpx's ASGI
    # transport) must not find the last one's deadline, called off as it ended, in its own.
    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await RequestBudget(answer, Budget(seconds=60))({"type": "http"}, receive, send)
    assert sent[0]["status"] == 204 and not expired()
