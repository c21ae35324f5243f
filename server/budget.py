"""Per-request budgets for GraphQL work: a time budget, a stop when the client goes away, and
a cap on the size of an answer (the cost analysis should keep answers far below it; this is
the last line)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsgraph.schema.deadline import TIMEOUT, DeadlineExceeded, expired, request_deadline
from newsgraph.server.alarm import Alarm
from newsgraph.server.refusals import RESPONSE_TOO_LARGE, send_refusal

# Most requests are answered in milliseconds; only one still running after this long gets a
# watch for its client going away (a task of its own, which the others need not pay for).
WATCH_AFTER_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class Budget:
    seconds: float = 10.0
    max_response_bytes: int = 32 * 1024 * 1024


class RequestBudget:
    """ASGI middleware: a request is cancelled when its time runs out or its client
    disconnects, and an answer past the size cap is refused."""

    def __init__(self, app: ASGIApp, budget: Budget) -> None:
        self.app = app
        self.budget = budget
        self.abandoned = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        # On the way out, the deadline calls off work still running on a worker thread
        # (server/execution_pool.py), which cannot be cancelled from here: it stops at its
        # next deadline check.
        with request_deadline(self.budget.seconds):
            await self._within_budget(scope, receive, send)

    async def _within_budget(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = _Exchange(scope, receive, send, self.budget.max_response_bytes)
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        watch = (loop.time() + WATCH_AFTER_SECONDS, partial(exchange.start_watch, task))
        alarm = Alarm(loop.time() + self.budget.seconds, early=watch)
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except DeadlineExceeded:
            await self._refuse_late(scope, send, exchange)
        except asyncio.CancelledError:
            if alarm.expired():
                await self._refuse_late(scope, send, exchange)
            elif exchange.disconnected:
                task.uncancel()
                self.abandoned += 1
            else:
                raise
        finally:
            alarm.stop()
            exchange.stop_watch()

    async def _refuse_late(self, scope: Scope, send: Send, exchange: _Exchange) -> None:
        if not exchange.started:
            seconds = self.budget.seconds
            message = f"the request took more than its budget of {seconds:g} s"
            await send_refusal(scope, send, 503, TIMEOUT, message)


class _Exchange:
    """One request's ASGI channels, as the app sees them: a watch for the client going away
    once its body is in, and the response held back until its size is known."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, max_response_bytes: int) -> None:
        self._scope = scope
        self._receive = receive
        self._send = send
        self._max_response_bytes = max_response_bytes
        self._body_done = False
        self._watcher: asyncio.Task[None] | None = None
        self._start: Message | None = None
        self.started = False
        self.disconnected = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            self._body_done = True
        if message["type"] == "http.disconnect":
            self.disconnected = True
        return message

    def start_watch(self, work: asyncio.Task[None]) -> None:
        # Only once the body is in: before that, a watcher would take the body's own parts.
        if self._body_done and self._watcher is None:
            self._watcher = asyncio.ensure_future(self._watch(work))

    def stop_watch(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()

    async def _watch(self, work: asyncio.Task[None]) -> None:
        message = await self._receive()  # a disconnect, or the end of the exchange
        if message["type"] == "http.disconnect" and not self.started:
            self.disconnected = True
            work.cancel()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message  # held until the first body part says how large it is
            return
        if self._start is not None and message["type"] == "http.response.body":
            start, self._start = self._start, None
            body = message.get("body", b"")
            if expired():  # work that could not be stopped on time: its answer is not sent
                raise DeadlineExceeded
            if not message.get("more_body", False) and len(body) > self._max_response_bytes:
                self.started = True
                return await send_refusal(
                    self._scope,
                    self._send,
                    400,
                    RESPONSE_TOO_LARGE,
                    f"the answer is {len(body)} bytes, over the limit of "
                    f"{self._max_response_bytes}; ask for less",
                )
            self.started = True
            await self._send(start)
        await self._send(message)
