"""An HTTP/1.1 load generator: keep-alive connections, each sending its next request the moment
the previous response is complete (no pipelining), like wrk.

`python -m bench.loadgen BODIES --port P [--connections C] [--duration S] [--warmup S]
[--server-pid PID] [--get]` POSTs the JSON bodies of the file BODIES (one a line) to /graphql in
turn, every request taking the next body (with `--get`, each line is a target such as
`/graphql?query=...` to GET), and prints one JSON line: requests completed in the timed
window, its seconds, errors, and the CPU share this process and the server used in it.

It runs in its own process on uvloop with asyncio protocols (no streams, no HTTP library), so
it neither shares the server's interpreter nor spends its core on anything but sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import uvloop


class Tally:
    """What every connection shares: the rotation over requests, and the counts."""

    def __init__(self, requests: Sequence[bytes]) -> None:
        self.requests = requests
        self.sent = 0
        self.counting = False
        self.stopping = False
        self.completed = 0
        self.errors = 0
        self.first_error: str | None = None

    def next_request(self) -> bytes:
        request = self.requests[self.sent % len(self.requests)]
        self.sent += 1
        return request

    def error(self, reason: str) -> None:
        if self.counting:
            self.errors += 1
        self.first_error = self.first_error or reason


class Connection(asyncio.Protocol):
    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.buffer = bytearray()
        self.expected = -1  # the length of the response being read, once its head is in
        self.status = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.tally.next_request())

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while True:
            if self.expected < 0:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = bytes(buffer[:end]).lower()
                at = head.find(b"\r\ncontent-length:")
                if at < 0:
                    self.tally.error("a response without Content-Length")
                    self._close()
                    return
                stop = head.find(b"\r\n", at + 2)
                self.status = int(head[9:12])
                self.expected = end + 4 + int(head[at + 17 : stop if stop > 0 else len(head)])
            if len(buffer) < self.expected:
                return
            del buffer[: self.expected]
            self.expected = -1
            self._complete()

    def _complete(self) -> None:
        tally = self.tally
        if self.status != 200:
            tally.error(f"HTTP {self.status}")
        elif tally.counting:
            tally.completed += 1
        if tally.stopping:
            self._close()
        elif self.transport is not None:
            self.transport.write(tally.next_request())

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.tally.stopping:
            self.tally.error(f"connection lost: {exc or 'closed by the server'}")


def cpu_seconds(pid: int | None) -> float | None:
    """User and system CPU seconds of a process (None where /proc is not there)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request(port: int, body: bytes, get: bool = False) -> bytes:
    if get:
        return b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (body, port)
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def load(
    port: int,
    bodies: Sequence[bytes],
    connections: int,
    duration: float,
    warmup: float,
    server_pid: int | None,
    get: bool = False,
) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    tally = Tally([request(port, body, get) for body in bodies])
    opened = [
        await loop.create_connection(lambda: Connection(tally), "127.0.0.1", port)
        for _ in range(connections)
    ]
    await asyncio.sleep(warmup)
    server, cpu, started = cpu_seconds(server_pid), time.process_time(), time.perf_counter()
    tally.counting = True
    await asyncio.sleep(duration)
    tally.counting = False
    seconds = time.perf_counter() - started
    client_cpu = (time.process_time() - cpu) / seconds
    server_after = cpu_seconds(server_pid)
    tally.stopping = True
    for transport, _ in opened:
        transport.close()
    server_cpu = None
    if server is not None and server_after is not None:
        server_cpu = (server_after - server) / seconds
    return {
        "requests": tally.completed,
        "seconds": seconds,
        "errors": tally.errors,
        "first_error": tally.first_error or (None if tally.completed else "no response in time"),
        "client_cpu": client_cpu,
        "server_cpu": server_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("bodies", type=Path)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--get", action="store_true", help="each line is a target to GET")
    args = parser.parse_args()
    bodies = args.bodies.read_bytes().splitlines()
    options = (args.connections, args.duration, args.warmup, args.server_pid, args.get)
    result = uvloop.run(load(args.port, bodies, *options))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
