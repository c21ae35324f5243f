"""Admission control: excess GraphQL requests are shed at once; cheap routes never queue."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from newsgraph.server.admission import Admission
from newsgraph.server.loop_lateness import LoopLateness


class Held:
    """An ASGI app whose requests wait until released: work that takes as long as we like."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


@pytest.mark.asyncio
async def test_past_the_running_and_queued_limits_requests_are_shed_with_retry_after() -> None:
    held = Held()
    admission = Admission(held, max_running=2, max_queued=3, lateness=LoopLateness(0, 0))
    transport = httpx.ASGITransport(app=admission)
    async with httpx.AsyncClient(transport=transport, base_url="http://newsgraph") as client:
        accepted = [asyncio.create_task(client.get("/graphql")) for _ in range(5)]
        while admission.waiting < 3:
            await asyncio.sleep(0.01)
        shed = await client.get("/graphql")  # answered while the five are still held
        assert held.entered == 2
        held.release.set()
        answers = await asyncio.gather(*accepted)
    assert shed.status_code == 503
    assert shed.headers["retry-after"] == "1"
    assert shed.json()["errors"][0]["extensions"]["code"] == "OVERLOADED"
    assert [a.status_code for a in answers] == [200] * 5
    assert admission.shed == 1 and admission.waiting == 0


class Answered:
    """An ASGI app that answers at once."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


async def stalled_then_asked(lateness: LoopLateness, stall: float) -> list[int]:
    """Statuses of a request on a loop on time, one right after the loop stalled `stall`
    seconds, and the first one served after that."""
    admission = Admission(Answered(), max_running=2, max_queued=3, lateness=lateness)
    transport = httpx.ASGITransport(app=admission)
    async with httpx.AsyncClient(transport=transport, base_url="http://newsgraph") as client:
        statuses = [(await client.get("/graphql")).status_code]
        time.sleep(stall)  # work that holds the loop
        statuses.append((await client.get("/graphql")).status_code)
        while (await client.get("/graphql")).status_code != 200:
            await asyncio.sleep(0.01)
        return [*statuses, 200]


@pytest.mark.asyncio
async def test_while_the_loop_runs_late_for_an_interval_requests_are_shed() -> None:
    lateness = LoopLateness(target=0.05, interval=0.1)
    assert await stalled_then_asked(lateness, stall=0.5) == [200, 503, 200]


@pytest.mark.asyncio
async def test_one_stall_shorter_than_the_interval_sheds_nothing() -> None:
    lateness = LoopLateness(target=0.05, interval=1.0)
    assert await stalled_then_asked(lateness, stall=0.2) == [200, 200, 200]


@pytest.mark.asyncio
async def test_a_latency_target_of_zero_never_sheds() -> None:
    assert await stalled_then_asked(LoopLateness(0, 0.1), stall=0.5) == [200, 200, 200]
