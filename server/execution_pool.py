"""A few worker threads for GraphQL execution, so that a long query does not hold the event
loop: `/healthz` and other requests are served meanwhile.

Each call carries a copy of the request's context variables, so its deadline goes along
(schema/deadline.py); the request budget sets that deadline's cancelled flag when it stops
waiting, since a thread cannot be stopped from outside. The threads are as many as the
requests admission control lets run at once (server/admission.py), so work waits in the pool
only behind work whose request has already given up and is stopping at its next check.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import strawberry

from newsgraph.schema.synchronous import async_parts

T = TypeVar("T")
log = logging.getLogger("newsgraph")


class ExecutionPool:
    """Runs functions on at most `threads` worker threads, awaited from the event loop."""

    def __init__(self, threads: int) -> None:
        # Threads start on first use: an app whose every answer comes from the fast lane
        # or the cache never has one.
        self._threads = ThreadPoolExecutor(max(threads, 1), thread_name_prefix="newsgraph-graphql")

    async def run(self, work: Callable[[], T]) -> T:
        """`work()`'s result, computed on a worker thread in a copy of the current context."""
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, context.run, work)

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
