"""Admission control for GraphQL work: at most `max_running` requests execute at once and at
most `max_queued` wait; anything past that, and every request while the event loop runs later
than `shed_latency` (`newsgraph.server.loop_lateness`), is answered at once with 503 and
`Retry-After`, so the requests that are accepted keep a short queue, and the cheap routes
(`/healthz`, `/-/...`), which do not pass through here, never wait behind GraphQL work.

A request keeps its place until the work it left running on a worker thread ends
(server/execution_pool.py): a thread cannot be stopped, and a place given back while it still
works would let the next request wait behind it, then time out, instead of being shed."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from newsgraph.server.execution_pool import left_running
from newsgraph.server.loop_lateness import LoopLateness
from newsgraph.server.refusals import OVERLOADED, refusal, send_made

RETRY_AFTER_SECONDS = 1
# Made once: under overload the shed answer is the one sent most, and making it (a dict,
# orjson, Starlette's headers) cost as much as an answer from the response cache. The body is
# in (BodyFirst, or the entrance's read), so the connection stays open and a client's retry
# costs the server no new connection.
SHED = refusal(
    503,
    OVERLOADED,
    f"the server is busy; retry after {RETRY_AFTER_SECONDS} s",
    {"retry-after": str(RETRY_AFTER_SECONDS)},
)


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
        self._held: set[asyncio.Task[None]] = set()  # places kept for work left running

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
        with left_running() as left:
            try:
                await self.app(scope, receive, send)
            finally:
                self._release(left)

    def _release(self, left: list[Future[Any]]) -> None:
        working = [work for work in left if not work.done()]
        if not working:
            self._slots.release()
            return
        held = asyncio.ensure_future(self._release_after(working))
        self._held.add(held)
        held.add_done_callback(self._held.discard)

    async def _release_after(self, working: list[Future[Any]]) -> None:
        try:
            await asyncio.wait([asyncio.wrap_future(work) for work in working])
        finally:
            self._slots.release()
