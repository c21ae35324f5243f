"""A few worker threads for GraphQL execution, so that a long query does not hold the event
loop: `/healthz` and other requests are served meanwhile.

Each call carries a copy of the request's context variables, so its deadline goes along
(schema/deadline.py); the request budget sets that deadline's cancelled flag when it stops
waiting, since a thread cannot be stopped from outside. The threads are as many as the
requests admission control lets run at once (server/admission.py), and the pool counts the
threads that have work, whether its request still waits for it or has ended (work left
running: a plugin's resolver that blocks past its request's budget). Work never queues in
the pool: while every thread is busy, a new call is refused at once with `PoolBusy`, which
the endpoint sheds as admission does, rather than wait behind work nobody waits for until
its own budget runs out.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import strawberry

from newsgraph.schema.synchronous import async_parts

T = TypeVar("T")
log = logging.getLogger("newsgraph")


class PoolBusy(Exception):
    """Every worker thread is busy: the call was not made."""


class ExecutionPool:
    """Runs functions on at most `threads` worker threads, awaited from the event loop."""

    def __init__(self, threads: int) -> None:
        # Threads start on first use: an app whose every answer comes from the fast lane
        # or the cache never has one.
        self._size = max(threads, 1)
        self._threads = ThreadPoolExecutor(self._size, thread_name_prefix="newsgraph-graphql")
        # Work submitted and not done. A set's add and discard are atomic, so a worker
        # thread takes its work out as it finishes, before its request hears of it.
        self._busy: set[Future[Any]] = set()

    async def run(self, work: Callable[[], T]) -> T:
        """`work()`'s result, computed on a worker thread in a copy of the current context;
        `PoolBusy` at once, without calling `work`, while every thread is busy."""
        if len(self._busy) >= self._size:
            raise PoolBusy
        context = contextvars.copy_context()
        work_done = self._threads.submit(context.run, work)
        self._busy.add(work_done)
        # Added before the wait's own callback, so it runs first: once the request has its
        # answer, the thread is no longer counted. A cancelled wait cancels work not started.
        work_done.add_done_callback(self._busy.discard)
        return await asyncio.wrap_future(work_done)

    def close(self) -> None:
        """Start no more work; threads end once what they run has stopped."""
        self._threads.shutdown(wait=False, cancel_futures=True)


def pool_for(schema: strawberry.Schema, threads: int) -> ExecutionPool | None:
    """A pool for `schema`'s execution, or None when something in it needs the event loop
    (a plugin's `async` resolver or extension hook; the log says which)."""
    needs_loop = async_parts(schema)
    if needs_loop:
        log.info("newsgraph: GraphQL runs on the event loop, for %s", ", ".join(needs_loop))
        return None
    return ExecutionPool(threads)
