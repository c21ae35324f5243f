"""Accepting new connections in batches, on either event loop.

libuv (since 1.45, so uvloop, which `serve` runs on) accepts one connection each time the
listening socket is reported readable, that is once per turn of the event loop, and under load
one turn serves hundreds of ready connections. Measured on `serve` with wrk opening 768
connections at once: about 266 of them waited in the kernel's accept queue for the whole 20 s
run, and every connection opened behind them (a health probe, a new client) waited 10 s or
timed out, while the accepted ones were answered in tens of milliseconds. asyncio's own loop
accepts up to a hundred a turn and showed no such wait, but answers fewer requests a second.

So newsgraph's uvicorn servers accept for themselves: each time the listening socket is
readable, up to `BATCH` waiting connections are accepted and handed to the loop as accepted
sockets, with uvicorn's own protocol. Everything after the accept is uvicorn's as before.

The connection limit (`server.max_connections`, uvicorn's `limit_concurrency`) is applied here
too. uvicorn applies it to each request, counting open connections and running requests, and a
finished request's task leaves its count only a turn later: under 768 busy connections, under
the limit of 1,000, it answered 18 % of requests with a plain-text 503. Here a connection past
the limit is answered at once with a JSON 503 `OVERLOADED` and `Retry-After`, then closed, and
requests on connections already open are never refused for their number.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Callable, Collection
from functools import partial
from typing import cast

import uvicorn

from newsgraph.server.refusals import OVERLOADED, refusal_body

log = logging.getLogger("newsgraph.server")

# Enough to empty a burst's queue in a few turns; few enough that a flood of new connections
# cannot hold one turn of the loop for long (accepting one costs about 20 µs).
BATCH = 128

# Out of file descriptors (or kernel memory): stop accepting for a moment rather than spin on
# a listening socket that stays readable; waiting connections stay in the kernel's queue.
PAUSE_WHEN_EXHAUSTED = 1.0
_EXHAUSTED = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


# How long a refused connection may take to send its request before it is closed unanswered.
REFUSAL_WAIT = 5.0
# Refused connections kept waiting for their request at once. Each holds a file descriptor,
# and without a bound clients that connect past the limit and send nothing ran the process out
# of them (1,100 such connections under a limit of 100 and 1,024 descriptors: nobody was
# answered, not even with the 503); the one that has waited longest is closed to make room.
MAX_REFUSING = 64


def _too_many_connections() -> bytes:
    body = refusal_body(
        OVERLOADED, "the server has as many connections open as it may; retry later"
    )
    head = (
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\nretry-after: 1\r\nconnection: close\r\n\r\n" % len(body)
    )
    return head + body


TOO_MANY_CONNECTIONS = _too_many_connections()


class _Refused(asyncio.Protocol):
    """A connection past the limit. It is answered once its request starts to arrive: closing
    a socket with unread data would reset it, and the client might lose the answer. `waiting`
    is its server's refused connections, oldest first."""

    def __init__(self, waiting: dict[_Refused, None], wait: float) -> None:
        self._waiting = waiting
        self._wait = wait

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._timer = asyncio.get_running_loop().call_later(self._wait, self.close)
        self._waiting[self] = None
        if len(self._waiting) > MAX_REFUSING:
            next(iter(self._waiting)).close()

    def data_received(self, data: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(TOO_MANY_CONNECTIONS)
            self.close()

    def close(self) -> None:
        self._waiting.pop(self, None)  # at once: the transport reports its end a turn later
        self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._timer.cancel()
        self._waiting.pop(self, None)


class BatchAcceptingServer:
    """One listening socket served by accepting in batches. uvicorn uses only `close` and
    `wait_closed` of the servers it keeps."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        listener: socket.socket,
        protocol_factory: Callable[[], asyncio.Protocol],
        connections: Collection[object],
        max_connections: int | None,
        refusal_wait: float = REFUSAL_WAIT,
    ) -> None:
        """`connections`: the server's open connections, each protocol once connected."""
        self._loop = loop
        self._listener = listener
        self._protocol_factory = protocol_factory
        self._connections = connections
        self._max_connections = max_connections
        # Each connection being opened, with its protocol: it joins `connections` only a turn
        # or two after its accept, when the loop calls its `connection_made`.
        self._opening: dict[asyncio.Task[object], asyncio.Protocol] = {}
        self._refused = partial(_Refused, {}, refusal_wait)
        self._serving = False
        self._resuming: asyncio.TimerHandle | None = None  # after running out of descriptors
        listener.setblocking(False)
        self._resume()

    def close(self) -> None:
        """Stop accepting; the listening socket itself belongs to whoever bound it."""
        if self._serving:
            self._loop.remove_reader(self._listener.fileno())
        self._serving = False
        if self._resuming is not None:  # closed while paused: stay closed
            self._resuming.cancel()
            self._resuming = None

    async def wait_closed(self) -> None:
        if self._opening:
            await asyncio.wait(list(self._opening))

    def _resume(self) -> None:
        self._resuming = None
        if not self._serving and self._listener.fileno() != -1:
            self._loop.add_reader(self._listener.fileno(), self._accept_waiting)
            self._serving = True

    def _accept_waiting(self) -> None:
        limit = self._max_connections
        open_now = 0 if limit is None else self._open_now()
        for _ in range(BATCH):
            try:
                connection, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return  # the queue is empty
            except ConnectionAbortedError:
                continue  # the client gave up while it waited
            except OSError as error:
                if error.errno not in _EXHAUSTED:
                    raise
                log.warning(
                    "newsgraph: cannot accept connections (%s); retrying in %g s",
                    error.strerror,
                    PAUSE_WHEN_EXHAUSTED,
                )
                self.close()
                self._resuming = self._loop.call_later(PAUSE_WHEN_EXHAUSTED, self._resume)
                return
            connection.setblocking(False)
            refused = limit is not None and open_now >= limit
            protocol = self._refused() if refused else self._protocol_factory()
            open_now += 1
            opening = self._loop.create_task(
                self._loop.connect_accepted_socket(_given(protocol), connection)
            )
            self._opening[opening] = protocol
            opening.add_done_callback(self._opened)

    def _open_now(self) -> int:
        """Open connections, counting those accepted that have not joined the count yet."""
        connections = self._connections
        joining = sum(protocol not in connections for protocol in self._opening.values())
        return len(connections) + joining

    def _opened(self, opening: asyncio.Task[object]) -> None:
        del self._opening[opening]
        if not opening.cancelled() and opening.exception() is not None:
            # The client left before its transport was set up: nothing to serve.
            log.debug("newsgraph: a connection closed as it opened: %s", opening.exception())


def _given(protocol: asyncio.Protocol) -> Callable[[], asyncio.Protocol]:
    return lambda: protocol


class _ProtocolFactory:
    """uvicorn's protocol for one server: what its own `startup` builds in a closure."""

    def __init__(self, server: uvicorn.Server) -> None:
        self._server = server

    def __call__(self) -> asyncio.Protocol:
        server = self._server
        return server.config.http_protocol_class(  # type: ignore[call-arg]
            config=server.config,
            server_state=server.server_state,
            app_state=server.lifespan.state,
        )


class BatchAccepting(uvicorn.Server):
    """A uvicorn server that accepts in batches on the listening sockets it is given (`serve`
    always binds its own, see server.listening)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if sockets is None:
            await super().startup(sockets)
            return
        await super().startup([])  # the lifespan and the server's state, with no listener
        loop = asyncio.get_running_loop()
        factory = _ProtocolFactory(self)
        connections = self.server_state.connections
        servers = [
            BatchAcceptingServer(
                loop, listener, factory, connections, self.config.limit_concurrency
            )
            for listener in sockets
        ]
        # uvicorn types its servers as asyncio's, but calls only close() and wait_closed().
        self.servers = cast("list[asyncio.base_events.Server]", servers)
