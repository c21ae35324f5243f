"""How `newsgraph serve` runs uvicorn: its own timeouts and connection limits from the
configuration, and what it lacks added in a protocol subclass — a deadline for a request's
headers (slowloris), a hard stop for headers that never end, its refusal of a request that is
not HTTP as a coded JSON error, and the connection in each request's scope, so that work whose
client has gone is not begun."""

from __future__ import annotations

import asyncio
import gc
import math
from collections.abc import Coroutine
from http import HTTPStatus
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from newsgraph.server.client_gone import CONNECTION
from newsgraph.server.config import Config
from newsgraph.server.errors import BAD_REQUEST
from newsgraph.server.refusals import HEADERS_TOO_LARGE, REQUEST_TIMEOUT, refusal_body

# The exact header limit (431 with a JSON error) is the ASGI middleware's; this one only stops
# a connection from buffering headers without end.
_HEAD_SLACK = 64 * 1024


# A request makes a few hundred container objects (its parsed body, the plan's run, the parts
# of its answer), so at CPython's default of 700 the young generation is collected every few
# requests: 12 % of a unique page's CPU at 10k articles. At 10,000 that drops to about 1 %,
# and what cyclic garbage can pile up between collections stays small.
YOUNG_COLLECTION_THRESHOLD = 10_000


def tune_collector() -> None:
    """Collect the young generation less often, for a serving process (and its workers)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)


def on_uvicorns_loop(main: Coroutine[Any, Any, None], config: uvicorn.Config) -> None:
    """Run `main` on the event loop uvicorn would run (uvloop where installed). On
    `asyncio.run`'s default loop one worker answered a sixth as many unique pages."""
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(main)


def uvicorn_options(config: Config) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run` that apply the configured limits."""
    protocol = type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {
            "header_timeout": config.header_timeout,
            "max_head_bytes": config.max_header_bytes + _HEAD_SLACK,
        },
    )
    return {
        "http": protocol,
        "timeout_keep_alive": max(1, math.ceil(config.keep_alive_timeout)),
        "limit_concurrency": config.max_connections or None,
        "timeout_graceful_shutdown": max(1, math.ceil(config.shutdown_timeout)),
        "h11_max_incomplete_event_size": config.max_header_bytes,
    }


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline and a size bound on each request's head,
    and each request's connection in its scope (server/client_gone.py)."""

    header_timeout: float = 10.0
    max_head_bytes: int = 16 * 1024 + _HEAD_SLACK

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # The connection limit is applied when connections are accepted (server.accepting);
        # uvicorn's own check of each request would count finished requests too.
        self.limit_concurrency = None
        self._head_bytes = 0
        self._in_head = True
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Counted after parsing: a chunk that completes the head may carry a body as well.
        if self._in_head and self._head_bytes > self.max_head_bytes:
            self._refuse(431, HEADERS_TOO_LARGE, "the request's headers are too large")

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes its parser cannot read (it logs a warning first)."""
        self._refuse(400, BAD_REQUEST, "the request is not valid HTTP/1.1")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {CONNECTION: {"transport": self.transport}}
        self._in_head = True
        self._arm()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._in_head or self.transport.is_closing():
            return
        if self._head_bytes == 0:
            self.transport.close()  # an idle connection: nothing to answer
            return
        message = f"the request's headers did not arrive within {self.header_timeout:g} s"
        self._refuse(408, REQUEST_TIMEOUT, message)

    def _refuse(self, status: int, code: str, message: str) -> None:
        body = refusal_body(code, message)
        reason = HTTPStatus(status).phrase.encode()
        head = (
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n" % (status, reason, len(body))
        )
        self.transport.write(head + body)
        self.transport.close()
        self._in_head = False
        self._disarm()
