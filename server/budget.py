"""Per-request budgets for GraphQL work: a time budget, a stop when the client goes away, and
a cap on the size of an answer (the cost analysis should keep answers far below it; this is
the last line)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsgraph.schema.deadline import DeadlineExceeded, expired, set_deadline
from newsgraph.server.refusals import RESPONSE_TOO_LARGE, TIMEOUT, send_refusal


@dataclass(frozen=True, slots=True)
class Budget:
    seconds: float = 10.0
    max_response_bytes: int = 32 * 1024 * 1024


class RequestBudget:
    """ASGI middleware: runs a request as a task that is cancelled when its time runs out or
    its client disconnects, and refuses an answer past the size cap."""

    def __init__(self, app: ASGIApp, budget: Budget) -> None:
        self.app = app
        self.budget = budget
        self.timed_out = 0
        self.abandoned = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        set_deadline(self.budget.seconds)  # the work task below starts with this context
        exchange = _Exchange(receive, send, self.budget.max_response_bytes)
        work: asyncio.Task[None] = asyncio.ensure_future(
            self.app(scope, exchange.receive, exchange.send)
        )
        watcher = asyncio.create_task(exchange.watch(work))
        try:
            await asyncio.wait_for(asyncio.shield(work), self.budget.seconds)
        except (TimeoutError, DeadlineExceeded):
            work.cancel()
            self.timed_out += 1
            if not exchange.started:
                await send_refusal(
                    send,
                    503,
                    TIMEOUT,
                    f"the request took more than its budget of {self.budget.seconds:g} s",
                )
        except asyncio.CancelledError:
            if not exchange.disconnected:
                raise
            self.abandoned += 1
        finally:
            watcher.cancel()
            work.cancel()
            with contextlib.suppress(BaseException):
                await work


class _Exchange:
    """One request's ASGI channels, as the app sees them: a watch for the client going away
    once its body is in, and the response held back until its size is known."""

    def __init__(self, receive: Receive, send: Send, max_response_bytes: int) -> None:
        self._receive = receive
        self._send = send
        self._max_response_bytes = max_response_bytes
        self._body_done = asyncio.Event()
        self._after_body: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._start: Message | None = None
        self.started = False
        self.disconnected = False

    async def receive(self) -> Message:
        if self._body_done.is_set():
            return await asyncio.shield(self._after_body)
        message = await self._receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            self._body_done.set()
        if message["type"] == "http.disconnect":
            self.disconnected = True
        return message

    async def watch(self, work: asyncio.Task[None]) -> None:
        await self._body_done.wait()
        if self.disconnected:
            work.cancel()
            return
        message = await self._receive()  # a disconnect, or the end of the exchange
        self._after_body.set_result(message)
        if message["type"] == "http.disconnect" and not work.done():
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
                    self._send,
                    400,
                    RESPONSE_TOO_LARGE,
                    f"the answer is {len(body)} bytes, over the limit of "
                    f"{self._max_response_bytes}; ask for less",
                )
            self.started = True
            await self._send(start)
        await self._send(message)
