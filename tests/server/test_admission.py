"""Admission control: excess GraphQL requests are shed at once; cheap routes never queue."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from newsgraph.server.admission import Admission


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
    admission = Admission(held, max_running=2, max_queued=3)
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
