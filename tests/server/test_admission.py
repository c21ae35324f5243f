"""Admission control: work past the running and queued bounds is shed at once, and so is work
while the loop runs late; only work takes a place, so a cached answer is never shed for it."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from newsgraph.plugin_api import Article, ArticleField, SchemaAddition
from newsgraph.server.admission import Admission, Shed
from newsgraph.server.loop_lateness import LoopLateness
from newsgraph.testing import client, make_app
from tests.server.test_execution_pool import GATED, Extend, Gate, code
from tests.server.test_hooks import SEED_SOURCE


@pytest.mark.asyncio
async def test_past_the_running_and_queued_limits_work_is_shed() -> None:
    admission = Admission(max_running=2, max_queued=3, lateness=LoopLateness(0, 0))
    release = asyncio.Event()
    entered = 0

    async def work() -> None:
        nonlocal entered
        async with admission:
            entered += 1
            await release.wait()

    held = [asyncio.create_task(work()) for _ in range(5)]
    while admission.waiting < 3:
        await asyncio.sleep(0.01)
    with pytest.raises(Shed):  # refused while the five are still held
        async with admission:
            pass
    assert entered == 2
    release.set()
    await asyncio.gather(*held)
    assert entered == 5 and admission.shed == 1 and admission.waiting == 0


async def stalled_then_asked(lateness: LoopLateness, stall: float) -> list[int]:
    """Statuses of work on a loop on time, right after the loop stalled `stall` seconds, and
    the first admitted after that (200 admitted, 503 shed)."""
    admission = Admission(max_running=2, max_queued=3, lateness=lateness)

    async def ask() -> int:
        try:
            async with admission:
                return 200
        except Shed:
            return 503

    statuses = [await ask()]
    time.sleep(stall)  # work that holds the loop
    statuses.append(await ask())
    while await ask() != 200:
        await asyncio.sleep(0.01)
    return [*statuses, 200]


@pytest.mark.asyncio
async def test_while_the_loop_runs_late_for_an_interval_work_is_shed() -> None:
    lateness = LoopLateness(target=0.05, interval=0.1)
    assert await stalled_then_asked(lateness, stall=0.5) == [200, 503, 200]


@pytest.mark.asyncio
async def test_one_stall_shorter_than_the_interval_sheds_nothing() -> None:
    lateness = LoopLateness(target=0.05, interval=1.0)
    assert await stalled_then_asked(lateness, stall=0.2) == [200, 200, 200]


@pytest.mark.asyncio
async def test_a_latency_target_of_zero_never_sheds() -> None:
    assert await stalled_then_asked(LoopLateness(0, 0.1), stall=0.5) == [200, 200, 200]


CACHED = "{ articles(first: 2) { edges { node { title } } } }"
UNCACHED = "{ articles(first: 3) { edges { node { title } } } }"


@pytest.mark.asyncio
async def test_with_every_place_taken_a_cached_answer_is_served_and_new_work_shed() -> None:
    gate, arrived = Gate(), threading.Semaphore(0)

    def gated(article: Article) -> int:
        arrived.release()
        return gate(article)

    app = make_app(
        ("gate", Extend(SchemaAddition(article_fields=[ArticleField("gate", "Int", gated)]))),
        sources=[SEED_SOURCE],
        max_running=2,
        max_queued=0,
        request_timeout=30,
    )
    async with client(app) as http:
        first = await http.post("/graphql", json={"query": CACHED})
        # Two requests whose work waits at the gate hold both places.
        holding = [
            asyncio.create_task(http.post("/graphql", json={"query": GATED})) for _ in range(2)
        ]
        for _ in holding:  # both are at work on their threads, so both hold a place
            assert await asyncio.to_thread(arrived.acquire, timeout=30)
        cached = await http.post("/graphql", json={"query": CACHED})
        shed = await http.post("/graphql", json={"query": UNCACHED})
        shed_head = await http.head("/graphql", params={"query": UNCACHED})
        gate.release.set()
        held = await asyncio.gather(*holding)
    assert (cached.status_code, cached.json()) == (200, first.json())
    assert (shed.status_code, code(shed), shed.headers["retry-after"]) == (503, "OVERLOADED", "1")
    assert [response.status_code for response in held] == [200, 200]
    # To HEAD, the same refusal's head without its body.
    assert (shed_head.status_code, shed_head.content) == (503, b"")
    assert shed_head.headers["content-length"] == shed.headers["content-length"]
