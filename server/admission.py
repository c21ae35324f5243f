"""Admission control for GraphQL work: at most `max_running` requests execute at once and at
most `max_queued` wait; anything past that, and every request while the event loop runs later
than `shed_latency` (`newsgraph.server.loop_lateness`), is answered at once with 503 and
`Retry-After`, so the requests that are accepted keep a short queue, and the cheap routes
(`/healthz`, `/-/...`), which do not pass through here, never wait behind GraphQL work.

A request gives its place back when it ends, even if work it started goes on on a worker
thread: that work is the execution pool's to count (server/execution_pool.py), and only a
request that needs a thread is shed for it, not a cached answer or the fast lane."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from newsgraph.server.loop_lateness import LoopLateness
from newsgraph.server.refusals import OVERLOADED, SHED, send_made


class Admission:
    """ASGI middleware: a bounded number of requests run, a bounded number wait, the rest
    are shed, and so is every request while the loop runs late."""

    def __init__(
        self, app: ASGIApp, max_running: int, max_queued: int, lateness: LoopLateness
    ) -> None:
        self.app = app
        self.max_queued = max_queued
        self.lateness = lateness
        self._slots = asyncio.Semaphore(max(max_running, 1))
        self.waiting = 0
        self.shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        full = self._slots.locked() and self.waiting >= self.max_queued
        if full or self.lateness.overloaded():
            self.shed += 1
            return await send_made(scope, send, OVERLOADED, SHED)
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()
