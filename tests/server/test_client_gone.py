"""Whether a request's client has gone, seen on a real connection before the event loop has
had a turn to notice."""

from __future__ import annotations

import asyncio
import socket

from newsgraph.server.client_gone import CONNECTION, client_gone


async def seen_before_and_after_the_client_closes() -> tuple[bool, bool]:
    server_side, client_side = socket.socketpair()
    transport, _ = await asyncio.get_running_loop().connect_accepted_socket(
        asyncio.Protocol, server_side
    )
    scope = {"type": "http", "extensions": {CONNECTION: {"transport": transport}}}
    try:
        before = client_gone(scope)
        client_side.sendall(b"GET / HTTP/1.1\r\n\r\n")  # a request, then the client leaves
        client_side.close()
        return before, client_gone(scope)  # no await between: the loop has not looked
    finally:
        transport.close()


def test_a_client_that_closes_its_connection_is_gone_at_once() -> None:
    assert asyncio.run(seen_before_and_after_the_client_closes()) == (False, True)


def test_without_the_connection_in_the_scope_nobody_is_gone() -> None:
    assert not client_gone({"type": "http"})
