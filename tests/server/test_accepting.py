"""Accepting in batches, on real loopback sockets and both event loops: connections waiting
in the kernel's queue are all taken in one turn of the loop, and past the connection limit a
new connection gets a JSON 503 instead of uvicorn's protocol."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import uvloop

from newsgraph.server.accepting import MAX_REFUSING, PAUSE_WHEN_EXHAUSTED, BatchAcceptingServer

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}
WAITING = 50


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        bound.listen(256)
        yield bound


def connect(listener: socket.socket, count: int) -> list[socket.socket]:
    """Open `count` connections; the kernel completes them into the listener's queue."""
    return [socket.create_connection(listener.getsockname(), timeout=10) for _ in range(count)]


async def serve_until(
    server: BatchAcceptingServer, opened: list[asyncio.BaseTransport], count: int
) -> None:
    """Let `server` accept until `count` connections have reached their protocol (each noted
    in `opened`), then close it and them."""
    async with asyncio.timeout(10):
        while len(opened) < count:
            await asyncio.sleep(0)
    server.close()
    await server.wait_closed()
    for transport in opened:
        transport.close()


@pytest.mark.parametrize("loop", LOOPS)
def test_the_connections_waiting_are_all_accepted_in_one_turn_of_the_loop(
    loop: str, listener: socket.socket
) -> None:
    clients = connect(listener, WAITING)
    turns: list[int] = []  # the loop turn in which each connection reached its protocol
    opened: list[asyncio.BaseTransport] = []

    async def serve() -> None:
        running = asyncio.get_running_loop()
        turn = 0

        def count_turn() -> None:  # runs once in every turn of the loop, until all are in
            nonlocal turn
            turn += 1
            if len(turns) < WAITING:
                running.call_soon(count_turn)

        class Recorded(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                turns.append(turn)
                opened.append(transport)

        count_turn()
        await serve_until(
            BatchAcceptingServer(running, listener, Recorded, (), None), opened, WAITING
        )

    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        runner.run(serve())
    for client in clients:
        client.close()
    # libuv on its own takes one a turn: the turns would span WAITING.
    assert len(turns) == WAITING and max(turns) - min(turns) <= 1


@pytest.mark.parametrize("loop", LOOPS)
def test_a_connection_past_the_limit_gets_a_json_503_with_retry_after(
    loop: str, listener: socket.socket
) -> None:
    served: list[asyncio.BaseTransport] = []

    class Served(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            served.append(transport)

    async def serve() -> bytes:
        running = asyncio.get_running_loop()
        # Two open connections of a limit of two: the next one is refused.
        server = BatchAcceptingServer(running, listener, Served, ("one", "two"), 2)
        reader, writer = await asyncio.open_connection(*listener.getsockname())
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: newsgraph\r\n\r\n")
        async with asyncio.timeout(10):
            reply = await reader.read()  # the server closes it after the answer
        writer.close()
        server.close()
        await server.wait_closed()
        return reply

    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        reply = runner.run(serve())
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert b"retry-after: 1" in head and b"connection: close" in head
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "OVERLOADED"
    assert served == []  # uvicorn's protocol never saw it


@pytest.mark.parametrize("loop", LOOPS)
def test_under_the_limit_connections_reach_the_servers_protocol(
    loop: str, listener: socket.socket
) -> None:
    clients = connect(listener, 3)
    served: list[asyncio.BaseTransport] = []
    connected: set[asyncio.Protocol] = set()  # the server's count, as uvicorn's

    class Served(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            served.append(transport)
            connected.add(self)

    async def serve() -> None:
        running = asyncio.get_running_loop()
        await serve_until(BatchAcceptingServer(running, listener, Served, connected, 3), served, 3)

    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        runner.run(serve())
    for client in clients:
        client.close()
    assert len(served) == 3


@pytest.mark.parametrize("loop", LOOPS)
def test_silent_connections_past_the_limit_are_bounded_and_a_request_is_still_refused(
    loop: str, listener: socket.socket
) -> None:
    """Connections past the limit that send nothing each hold a file descriptor: at most
    MAX_REFUSING are kept (the oldest goes), so they cannot run the server out of them, and a
    client that does send its request still gets the JSON 503."""
    extra = 8

    async def serve() -> tuple[list[bytes], int, bytes]:
        running = asyncio.get_running_loop()
        # A refused connection would otherwise wait a minute for its request.
        server = BatchAcceptingServer(running, listener, asyncio.Protocol, ("one", "two"), 2, 60.0)
        silent = [
            await asyncio.open_connection(*listener.getsockname())
            for _ in range(MAX_REFUSING + extra)
        ]
        reads = {running.create_task(reader.read()) for reader, _ in silent}
        closed: list[bytes] = []
        async with asyncio.timeout(10):
            while len(closed) < extra:
                done, _ = await asyncio.wait(reads, return_when=asyncio.FIRST_COMPLETED)
                closed += [read.result() for read in done]
                reads -= done
        still_open = sum(not read.done() for read in reads)
        reader, writer = await asyncio.open_connection(*listener.getsockname())
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: newsgraph\r\n\r\n")
        async with asyncio.timeout(10):
            reply = await reader.read()
        for read in reads:
            read.cancel()
        for _, silent_writer in silent:
            silent_writer.close()
        writer.close()
        server.close()
        await server.wait_closed()
        return closed, still_open, reply

    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        closed, still_open, reply = runner.run(serve())
    assert closed == [b""] * extra  # closed unanswered: they never asked anything
    assert still_open == MAX_REFUSING
    assert reply.startswith(b"HTTP/1.1 503 ")
    assert json.loads(reply.partition(b"\r\n\r\n")[2])["errors"][0]["extensions"]["code"] == (
        "OVERLOADED"
    )


@pytest.mark.parametrize("loop", LOOPS)
def test_connections_accepted_in_one_turn_count_towards_the_limit(
    loop: str, listener: socket.socket
) -> None:
    """A batch's connections reach their protocol only on a later turn: counting the open
    ones alone would let a whole batch past the limit."""
    clients = connect(listener, 10)
    for client in clients:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: newsgraph\r\n\r\n")
    served: list[asyncio.BaseTransport] = []
    connected: set[asyncio.Protocol] = set()  # the server's count, as uvicorn's

    class Served(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            served.append(transport)
            connected.add(self)  # and kept: its place is not given back in this test
            transport.close()  # the client reads the end of it

    def answers() -> list[bytes]:
        read = []
        for client in clients:
            chunks = []
            try:
                while chunk := client.recv(65536):
                    chunks.append(chunk)
            except ConnectionResetError:
                pass  # a served connection closed with the request unread
            read.append(b"".join(chunks))
        return read

    async def serve() -> list[bytes]:
        running = asyncio.get_running_loop()
        server = BatchAcceptingServer(running, listener, Served, connected, 3)
        async with asyncio.timeout(10):
            read = await asyncio.to_thread(answers)
        server.close()
        await server.wait_closed()
        return read

    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        read = runner.run(serve())
    for client in clients:
        client.close()
    refused = [answer for answer in read if answer.startswith(b"HTTP/1.1 503 ")]
    assert len(served) == 3 and len(refused) == 7


@contextmanager
def out_of_descriptors() -> Iterator[None]:
    """The process may open no more files (as under a flood of connections), until the end."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    first_free = next(fd for fd in range(soft) if not _is_open(fd))
    resource.setrlimit(resource.RLIMIT_NOFILE, (first_free, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


@pytest.mark.parametrize("closed_while_paused", [False, True])
def test_out_of_descriptors_it_pauses_then_resumes_unless_closed_meanwhile(
    closed_while_paused: bool, listener: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    clients = connect(listener, 2)
    served: list[asyncio.BaseTransport] = []

    class Served(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            served.append(transport)

    async def serve() -> None:
        running = asyncio.get_running_loop()
        with out_of_descriptors():
            server = BatchAcceptingServer(running, listener, Served, (), None)
            async with asyncio.timeout(10):
                while "cannot accept connections" not in caplog.text:
                    await asyncio.sleep(0)
        if closed_while_paused:
            server.close()
        await asyncio.sleep(PAUSE_WHEN_EXHAUSTED * 1.5)  # past the pause
        server.close()
        await server.wait_closed()
        for transport in served:
            transport.close()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(serve())
    for client in clients:
        client.close()
    assert len(served) == (0 if closed_while_paused else 2)
