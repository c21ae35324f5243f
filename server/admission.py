"""Admission control for GraphQL work: at most `max_running` requests execute at once and at
most `max_queued` wait; anything past that, and every request while the event loop runs later
than `shed_latency` (`newsgraph.server.loop_lateness`), is refused at once (`Shed`: 503
`OVERLOADED` with `Retry-After`), so the requests that are accepted keep a short queue.

Only work takes a place: the endpoint enters admission once the response cache has not had
the answer (server/endpoint.py). An answer from the cache costs less than refusing it would,
and with admission ahead of the cache, clients keeping Strawberry's places full had every
cached answer refused as well. The cheap routes (`/healthz`, `/-/...`) never pass through here.
A request waits for its place inside its budget (server/budget.py): a client that goes, or a
wait that outlasts `request_timeout`, gives up its turn.

A request gives its place back when it ends, even if work it started goes on on a worker
thread: that work is the execution pool's to count (server/execution_pool.py), and only a
request that needs a thread is shed for it, not a cached answer or the fast lane."""

from __future__ import annotations

import asyncio
from types import TracebackType

from newsgraph.server.loop_lateness import LoopLateness


class Shed(Exception):
    """No place for the request now: it is answered at once with 503 `OVERLOADED`."""


class Admission:
    """`async with admission:` around a request's work: a bounded number run, a bounded
    number wait, the rest are shed, and so is every request while the loop runs late."""

    def __init__(self, max_running: int, max_queued: int, lateness: LoopLateness) -> None:
        self.max_queued = max_queued
        self.lateness = lateness
        self._slots = asyncio.Semaphore(max(max_running, 1))
        self.waiting = 0
        self.shed = 0

    async def __aenter__(self) -> None:
        full = self._slots.locked() and self.waiting >= self.max_queued
        if full or self.lateness.overloaded():
            self.shed += 1
            raise Shed
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._slots.release()
