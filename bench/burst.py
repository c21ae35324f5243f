"""`python -m bench.burst`: a burst of distinct heavy fast-lane queries, then a trivial one.

`--clients` clients (300) each send a *different* `articles(first: 100)` with
`similar(first: 40)` on each article (an estimated 17,306 of the 50,000 budget; the fast lane
runs each on the event loop in one step) to `newsgraph serve` on the demo content, all
within about `--spread` seconds (0.2), each on a connection of its own; then a `{ __typename }`
GET. A client gives up after `--timeout` seconds (5, as the hostile benchmark's), closing its
connection. It prints one markdown table: how long the trivial GET waited for its answer,
how the heavy ones were answered (200, shed 503 `OVERLOADED`, anything else, no answer in
time), when the last heavy answer came, and how many heavy queries the server ran (its
`/-/metrics` count of requests the fast lane answered), whose clients had gone or not.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass

import uvloop

from bench import ROOT
from bench.loopback import healthy, serving

# Distinct texts (each its own plan and cache entry), one cost.
HEAVY = (
    "query Burst{n} {{ articles(first: 100) {{ edges {{ node {{ id title "
    "similar(first: 40) {{ score article {{ id title }} }} }} }} }} }}"
)
TRIVIAL = b"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: bench\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"(?i)content-length: *(\d+)")
_FAST_LANE = re.compile(rb'newsgraph_graphql_requests_total\{answered_by="direct"\} (\S+)')


@dataclass(frozen=True, slots=True)
class Answered:
    """One request's outcome: its status (None: no answer in time), the GraphQL error code
    of a refusal, and when it came (seconds from the burst's start)."""

    status: int | None
    code: str | None
    at: float


def graphql_post(query: str) -> bytes:
    """The raw HTTP/1.1 request that POSTs `query` to `/graphql`."""
    body = json.dumps({"query": query}).encode()
    head = (
        "POST /graphql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def ask(port: int, request: bytes, start: float, timeout: float) -> Answered:
    """Send `request` on a new connection and read the answer; give up (closing the
    connection, as a client that times out does) `timeout` s after the burst's start."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        async with asyncio.timeout_at(asyncio.get_running_loop().time() + timeout):
            head = await reader.readuntil(b"\r\n\r\n")
            length = _content_length(head)
            body = await reader.readexactly(length)
    except TimeoutError:
        return Answered(None, None, time.monotonic() - start)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    status = int(head[9:12])
    code = None
    if status != 200:
        code = json.loads(body)["errors"][0]["extensions"]["code"]
    return Answered(status, code, time.monotonic() - start)


def _content_length(head: bytes) -> int:
    found = _CONTENT_LENGTH.search(head)
    return int(found[1]) if found else 0


def fast_lane_count(port: int) -> float:
    """The server's count of requests the fast lane answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/-/metrics")
        found = _FAST_LANE.search(connection.getresponse().read())
    finally:
        connection.close()
    return float(found[1]) if found else 0.0


async def burst(port: int, clients: int, spread: float, timeout: float) -> list[tuple[str, str]]:
    start = time.monotonic()
    heavy = []
    for n in range(clients):
        heavy.append(
            asyncio.create_task(ask(port, graphql_post(HEAVY.format(n=n)), start, timeout))
        )
        await asyncio.sleep(spread / clients)
    trivial = await ask(port, TRIVIAL, time.monotonic(), 60.0)
    answers = await asyncio.gather(*heavy)
    outcomes = Counter(
        "no answer in time" if a.status is None else f"{a.status} {a.code or ''}".strip()
        for a in answers
    )
    last = max((a.at for a in answers if a.status is not None), default=0.0)
    return [
        ("trivial GET `{ __typename }` waited", f"{trivial.at * 1000:.0f} ms ({trivial.status})"),
        ("heavy answers", ", ".join(f"{n} × {what}" for what, n in sorted(outcomes.items()))),
        ("last heavy answer, from the burst's start", f"{last:.2f} s"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.burst", description=__doc__)
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--spread", type=float, default=0.2, help="seconds to send the burst")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds a client waits")
    args = parser.parse_args(argv)
    command = [sys.executable, "-m", "newsgraph.server.cli", "serve", str(ROOT / "seeds")]
    with serving([*command, "--log-level=warning"]) as server:
        healthy(server)
        rows = uvloop.run(burst(server.port, args.clients, args.spread, args.timeout))
        time.sleep(args.timeout)  # the server may still run the work of clients gone
        ran = fast_lane_count(server.port) - 1  # the trivial GET is one of them
        rows.append(("heavy queries the server ran (fast lane)", f"{ran:.0f}"))
    print("| measure | result |\n|---|---|")
    for name, result in rows:
        print(f"| {name} | {result} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
