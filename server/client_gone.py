"""Whether a request's client has gone, seen just before costly work starts on the event loop.

Work the fast lane runs on the loop cannot be stopped once begun. Under a backlog a client
may give up (close its connection) long before the loop reads its request, or while its
request waits for its turn; the server learns of it (`http.disconnect`) only on a later turn
of the loop, after the work has run. The kernel knows at once: `newsgraph serve`'s protocol
(server/serving.py) puts each request's connection in its scope, and a poll of its socket for
the peer's end (Linux's POLLRDHUP, under a microsecond) says whether the client has closed
its side. A client that only half-closes is gone too, for uvicorn, which closes the
connection at the end of its input.
"""

from __future__ import annotations

import asyncio
import select

from starlette.types import Receive, Scope

# The scope's extension that holds the request's connection: {"transport": an asyncio transport}.
CONNECTION = "newsgraph.connection"
# Where the kernel cannot say (not Linux), a connection the loop has seen close still counts.
_PEER_CLOSED = getattr(select, "POLLRDHUP", 0)


class ClientGone(Exception):
    """The client went away before its request's work began: nobody is left to answer."""


def client_gone(scope: Scope) -> bool:
    """Whether the request's client has closed its connection; False where the server does not
    say (another ASGI server, a test client)."""
    connection = scope.get("extensions", {}).get(CONNECTION)
    if connection is None:
        return False
    transport: asyncio.BaseTransport = connection["transport"]
    if transport.is_closing():
        return True  # and its socket may be closed already
    socket = transport.get_extra_info("socket")
    if not _PEER_CLOSED or socket is None:
        return False
    poll = select.poll()
    poll.register(socket.fileno(), _PEER_CLOSED)
    return bool(poll.poll(0))


async def until_disconnect(receive: Receive) -> None:
    """Wait until the server, too, has seen the client go (it soon reads the end of the
    connection): an app that returns unanswered before that is an error to uvicorn, which
    logs it and sends a 500 into the closed connection."""
    while (await receive())["type"] != "http.disconnect":
        pass  # a GET's (empty) body, which nobody reads
