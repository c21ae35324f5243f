"""A few worker threads for GraphQL execution, so that a long query does not hold the event
loop: `/healthz` and other requests are served meanwhile.

Each call carries a copy of the request's context variables, so its deadline goes along
(schema/deadline.py); the request budget sets that deadline's cancelled flag when it stops
waiting, since a thread cannot be stopped from outside. The threads are as many as the
requests admission control lets run at once (server/admission.py), and admission keeps a
request's place until the work it left running on a thread has ended (`left_running`), so
new work never waits in the pool behind work that nobody waits for: past the places, it is
shed at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import strawberry

from newsgraph.schema.synchronous import async_parts

T = TypeVar("T")
log = logging.getLogger("newsgraph")

# The work on a thread that the current request stopped waiting for, still running then.
_left_running: contextvars.ContextVar[list[Future[Any]] | None] = contextvars.ContextVar(
    "newsgraph_left_running", default=None
)


@contextmanager
def left_running() -> Iterator[list[Future[Any]]]:
    """Note, for the block's request, each call of `ExecutionPool.run` whose thread was still
    working when the request stopped waiting for it (its client went, its budget ran out)."""
    left: list[Future[Any]] = []
    token = _left_running.set(left)
    try:
        yield left
    finally:
        _left_running.reset(token)


class ExecutionPool:
    """Runs functions on at most `threads` worker threads, awaited from the event loop."""

    def __init__(self, threads: int) -> None:
        # Threads start on first use: an app whose every answer comes from the fast lane
        # or the cache never has one.
        self._threads = ThreadPoolExecutor(max(threads, 1), thread_name_prefix="newsgraph-graphql")

    async def run(self, work: Callable[[], T]) -> T:
        """`work()`'s result, computed on a worker thread in a copy of the current context."""
        context = contextvars.copy_context()
        work_done = self._threads.submit(context.run, work)
        try:
            return await asyncio.wrap_future(work_done)
        except asyncio.CancelledError:
            # Work not yet started is cancelled with the wait; started work goes on.
            left = _left_running.get()
            if left is not None and not work_done.done():
                left.append(work_done)
            raise

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
