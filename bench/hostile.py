"""`python -m bench.hostile` (`make hostile`): `newsgraph serve` on the demo content under
attack, on loopback.

It measures the rate the server sustains with a few connections, then for `--duration`
seconds offers four times that rate over 768 connections (with wrk when it is on PATH, an
open loop whatever the server answers, `bench.overload`; else from Python, which reaches
about the server's rate on the same cores) while slow clients (partial headers, trickled
bodies) hold connections, the attack classes of issue #18 arrive (fragment fan-out,
similar-article amplification, oversized and malformed bodies) and two probers ask
`/healthz` every 50 ms: one on the health port (`server.health_port`), one on the main port
(a third, the control, asks an empty standard-library server in a process of its own: what a
probe costs on the machine at that moment). It prints one markdown table: the rate offered
and answered, accepted p99, shed share, client timeouts, `/healthz` p99 on each port (and
how much of it was the TCP connect, beside the kernel's count of listen-queue overflows, so
a stall in the accept queue tells itself apart from a busy loop), the control's p99, the
server's RSS before, at its peak and after `--settle` seconds, and, before the overload, how
long a query that nearly fills the cost budget holds the event loop; each beside the issue's
target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import uvloop

from bench import ROOT
from bench.control import control_server
from bench.loopback import free_port, healthy, serving
from bench.overload import Overload, available, wrk_overload

# The open loop's connections: enough that a free one waits for each send of four times the
# sustainable rate while answers take up to ~100 ms, under the server's max_connections (1000)
# with the slow clients, the witness and the probes beside them.
CONNECTIONS = 768
CLIENT_TIMEOUT = 5.0  # a request unanswered this long counts as a client timeout
SLOW_CLIENTS = 64  # half trickle their headers, half their body
# Under wrk's overload, a paced Python client of its own measures what an accepted request
# sees (wrk's latencies mix accepted and shed answers).
WITNESS_RATE, WITNESS_CONNECTIONS = 100.0, 16
WRK_BODIES = 1000
PAGE = (
    "query($n: Int!, $topic: String) { articles(first: $n, topic: $topic) { totalCount "
    "edges { node { id title url provider { name } topics { name } } } } }"
)
SEARCH = (
    "query($q: String!) { articles(filter: {search: $q}, first: 10) { edges { node { id } } } }"
)
TOPICS = [None, "AI", "Energy", "Health", "Robotics", "Security", "Space"]
WORDS = ["robot", "solar", "vision", "city", "sleep", "wind", "storage", "model", "chip", "data"]


def fan_out(levels: int = 24) -> str:
    """Fragments that each spread the previous one twice: 2**levels copies of the first."""
    fragments = ["fragment F0 on Article { id title }"]
    for n in range(1, levels + 1):
        fragments.append(f"fragment F{n} on Article {{ ...F{n - 1} ...F{n - 1} }}")
    operation = f"{{ articles(first: 1) {{ edges {{ node {{ ...F{levels} }} }} }} }}"
    return " ".join([operation, *fragments])


# A heavy query that nearly fills the default cost budget (an estimated 42,006 of 50,000),
# run by Strawberry (asking for its cost keeps it out of the fast lane): its resolvers hold
# the event loop from start to end.
HEAVY = {
    "query": "{ articles(first: 100) { edges { node { id title excerpt url similar(first: 15) "
    "{ score article { id title excerpt url topics { name } } } } } } }",
    "extensions": {"cost": True},
}
AMPLIFIED = (
    "{ articles(first: 100) { edges { node { similar(first: 100) { article { similar(first: 100) "
    "{ article { similar(first: 100) { article { id title excerpt } } } } } } } } } }"
)


def ordinary_body(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        variables = {"n": rng.randint(1, 25), "topic": rng.choice(TOPICS)}
        return json.dumps({"query": PAGE, "variables": variables}).encode()
    words = " ".join(rng.sample(WORDS, 2))
    return json.dumps({"query": SEARCH, "variables": {"q": words}}).encode()


def post(body: bytes, length: int | None = None) -> bytes:
    """A POST to /graphql; `length` declares a Content-Length other than the body's."""
    head = (
        "POST /graphql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # accepted (200) requests
    shed: int = 0
    timeouts: int = 0
    other: dict[int, int] = field(default_factory=dict)
    unsampled: int = 0  # accepted requests whose latency wrk does not tell apart
    attacks: dict[str, str] = field(default_factory=dict)
    slow_cut_off: int = 0


async def exchange(port: int, request: bytes) -> tuple[int, bytes]:
    """Send one request on a fresh connection; the status and body of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return status, await reader.readexactly(length)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


class Connection:
    """One keep-alive client connection sending a request whenever the pacer says so."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        close = False
        for line in head.lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line.split(b":")[1])
            close = close or line == b"connection: close"
        await self.reader.readexactly(length)
        if close:
            self.close()
        return int(head[9:12])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def offered_load(
    port: int, rate: float, connections: int, seconds: float, tally: Tally | None
) -> int:
    """Offer `rate` requests a second over `connections` connections for `seconds`; the
    requests answered 200."""
    rng = random.Random(18)
    answered = 0
    end = time.perf_counter() + seconds
    interval = connections / rate

    async def client(index: int) -> None:
        nonlocal answered
        connection = Connection(port)
        next_at = time.perf_counter() + interval * index / connections
        while (now := time.perf_counter()) < end:
            if next_at > now:
                await asyncio.sleep(next_at - now)
            next_at += interval
            started = time.perf_counter()
            try:
                status = await asyncio.wait_for(
                    connection.send(post(ordinary_body(rng))), CLIENT_TIMEOUT
                )
            except TimeoutError:
                connection.close()
                if tally is not None:
                    tally.timeouts += 1
                continue
            except (OSError, asyncio.IncompleteReadError):
                connection.close()
                status = 0
            if status == 200:
                answered += 1
            if tally is None:
                continue
            if status == 200:
                tally.latencies.append(time.perf_counter() - started)
            elif status == 503:
                tally.shed += 1
            else:
                tally.other[status] = tally.other.get(status, 0) + 1
        connection.close()

    await asyncio.gather(*(client(i) for i in range(connections)))
    return answered


async def sustainable_rate(port: int, seconds: float) -> float:
    """Requests a second answered by a closed loop of 8 connections (each sends the moment its
    previous answer is in), once as many seconds have warmed the caches up: the overload's
    bodies repeat, so most of its answers are cached ones."""
    await offered_load(port, 1e9, 8, seconds, None)
    return await offered_load(port, 1e9, 8, seconds, None) / seconds


@dataclass
class Probed:
    """One prober's `/healthz` answers: latencies, the TCP connect part of each, failures."""

    latencies: list[float] = field(default_factory=list)
    connects: list[float] = field(default_factory=list)
    failures: int = 0


def probe_health(port: int, seconds: float) -> Probed:
    """`/healthz` every 50 ms for `seconds`, each on a new connection: the latencies of its
    answers, the part of each that was the TCP connect (a SYN dropped from a full accept
    queue costs a second or more here; a busy event loop costs nothing here, only after it),
    and its failures. It runs in a process of its own, so the load generator's busy loop
    does not delay it."""
    probed = Probed()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        try:
            connection.connect()
            connected = time.perf_counter()
            connection.request("GET", "/healthz")
            ok = connection.getresponse().status == 200
        except OSError:
            ok = False
        finally:
            connection.close()
        if ok:
            probed.latencies.append(time.perf_counter() - started)
            probed.connects.append(connected - started)
        else:
            probed.failures += 1
        time.sleep(0.05)
    return probed


def listen_queue_drops() -> int:
    """The kernel's count of connections dropped because a listen queue was full
    (ListenOverflows and ListenDrops, for this network namespace)."""
    lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines()]
    for names, values in zip(lines, lines[1:], strict=False):
        if names[0] == "TcpExt:" and values[0] == "TcpExt:":
            counters = dict(zip(names[1:], values[1:], strict=True))
            return int(counters["ListenOverflows"]) + int(counters["ListenDrops"])
    return 0


HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"


async def loop_hold(port: int, health_port: int) -> tuple[float, float, float]:
    """How long the heavy query (near the budget) takes on the idle server, and the slowest
    `/healthz` meanwhile on the main port (over a keep-alive connection: the time the query
    holds the event loop) and on the health port."""
    body = json.dumps(HEAVY).encode()
    started = time.perf_counter()
    heavy = asyncio.ensure_future(exchange(port, post(body)))
    main = Connection(port)

    async def slowest(ask: Callable[[], Awaitable[object]]) -> float:
        longest = 0.0
        while not heavy.done():
            asked = time.perf_counter()
            await ask()
            longest = max(longest, time.perf_counter() - asked)
            await asyncio.sleep(0.002)
        return longest

    on_main, on_health = await asyncio.gather(
        slowest(lambda: main.send(HEALTHZ)), slowest(lambda: exchange(health_port, HEALTHZ))
    )
    took = time.perf_counter() - started
    main.close()
    status, _ = await heavy
    assert status == 200, f"the heavy query was answered {status}"
    return took, on_main, on_health


async def slow_clients(port: int, count: int, seconds: float, tally: Tally) -> None:
    """Connections that send part of their headers, or of their body, and then trickle a byte
    a second; counts those the server cuts off."""

    async def one(index: int) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return
        if index % 2:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: ")
        else:
            writer.write(post(b"{", length=1000))
        end = time.perf_counter() + seconds
        try:
            while time.perf_counter() < end:
                # An answer (408) or the end of the stream: the server has cut it off.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(reader.read(1024), 1)
                    tally.slow_cut_off += 1
                    break
                writer.write(b"a")
        except (OSError, RuntimeError):  # written after the server closed it
            tally.slow_cut_off += 1
        writer.close()

    await asyncio.gather(*(one(i) for i in range(count)))


ATTACKS: dict[str, Callable[[], bytes]] = {
    "fragment fan-out (24 levels)": lambda: post(json.dumps({"query": fan_out()}).encode()),
    "similar(first: 100) three deep": lambda: post(json.dumps({"query": AMPLIFIED}).encode()),
    "100 MB body (declared)": lambda: post(b"{", length=100 * 1024 * 1024),
    "JSON body that is a string": lambda: post(b'"query"'),
    "invalid UTF-8": lambda: post(b'{"query": "{ __typename }\xff"}'),
    "100k nested [ in variables": lambda: post(
        b'{"query": "{ __typename }", "variables": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    ),
    "undefined fragment": lambda: post(b'{"query": "{ articles { ...Nope } }"}'),
    "1 MB of headers": lambda: (
        b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Pad: " + b"a" * 1_000_000 + b"\r\n\r\n"
    ),
}


async def attacks(port: int, tally: Tally) -> None:
    for name, request in ATTACKS.items():
        started = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(exchange(port, request()), CLIENT_TIMEOUT)
            code = json.loads(body)["errors"][0].get("extensions", {}).get("code", "")
            answer = f"{status} {code}".strip()
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, KeyError) as error:
            answer = f"no answer ({type(error).__name__})"
        tally.attacks[name] = f"{answer} in {1000 * (time.perf_counter() - started):.0f} ms"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def quantile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{1000 * value:.0f} ms"


async def overload(
    port: int, rate: float, connections: int, duration: float, tally: Tally
) -> tuple[str, int, int, float]:
    """Offer four times `rate` for `duration` seconds over `connections` connections,
    tallying the answers; which generator did it, the requests it sent, those answered, and
    in how many seconds."""
    if not available():
        asked = f"Python, asked {4 * rate:.0f} req/s"
        await offered_load(port, 4 * rate, connections, duration, tally)
        answered = len(tally.latencies) + tally.shed + sum(tally.other.values())
        return asked, answered + tally.timeouts, answered, duration
    rng = random.Random(18)
    bodies = [ordinary_body(rng) for _ in range(WRK_BODIES)]
    with tempfile.TemporaryDirectory() as folder:
        wrk = asyncio.to_thread(
            wrk_overload,
            port,
            bodies,
            4 * rate,
            connections,
            duration,
            CLIENT_TIMEOUT,
            Path(folder),
        )
        witness = offered_load(port, WITNESS_RATE, WITNESS_CONNECTIONS, duration, tally)
        done: Overload
        done, _ = await asyncio.gather(wrk, witness)
    statuses = dict(done.statuses)
    tally.unsampled += statuses.pop(200, 0)
    tally.shed += statuses.pop(503, 0)
    tally.timeouts += done.timeouts
    for status, count in statuses.items():
        tally.other[status] = tally.other.get(status, 0) + count
    if done.socket_errors:
        tally.other[0] = tally.other.get(0, 0) + done.socket_errors
    generator = (
        f"wrk open loop, asked {4 * rate:.0f} req/s, {done.missed} sends missed for want of "
        f"a free connection, all answers p99 {ms(done.p99)}; "
        f"a paced witness of {WITNESS_RATE:g} req/s"
    )
    return generator, done.sent, done.requests, done.seconds


def probe_rows(port: str, probed: Probed) -> list[tuple[str, str, str]]:
    p50, p99 = (quantile(probed.latencies, share) for share in (0.5, 0.99))
    return [
        (f"/healthz p50 / p99, {port}", f"{ms(p50)} / {ms(p99)}", "p99 < 50 ms"),
        (f"/healthz connect p99, {port}", ms(quantile(probed.connects, 0.99)), ""),
        (f"/healthz failures, {port}", str(probed.failures), "0"),
    ]


async def attack_run(
    port: int, health_port: int, pid: int, duration: float, connections: int, settle: float
) -> list[tuple[str, str, str]]:
    heavy, on_main, on_health = await loop_hold(port, health_port)
    rate = await sustainable_rate(port, 3.0)
    before = rss_mib(pid)
    drops_before = listen_queue_drops()
    tally = Tally()
    peak = before

    async def watch_rss() -> None:
        nonlocal peak
        while True:
            peak = max(peak, rss_mib(pid))
            await asyncio.sleep(0.2)

    watcher = asyncio.create_task(watch_rss())
    loop = asyncio.get_running_loop()
    control = free_port()
    with ProcessPoolExecutor(3) as probers, control_server(control):
        health = loop.run_in_executor(probers, probe_health, health_port, duration)
        main = loop.run_in_executor(probers, probe_health, port, duration)
        floor = loop.run_in_executor(probers, probe_health, control, duration)
        others: list[Awaitable[object]] = [
            slow_clients(port, SLOW_CLIENTS, duration, tally),
            attacks(port, tally),
        ]
        overloading = asyncio.ensure_future(overload(port, rate, connections, duration, tally))
        await asyncio.gather(overloading, *others)
        generator, offered, answered, seconds = overloading.result()
        on_health_port, on_main_port, on_control = await health, await main, await floor
    drops = listen_queue_drops() - drops_before
    await asyncio.sleep(settle)
    watcher.cancel()
    after = rss_mib(pid)
    accepted = len(tally.latencies) + tally.unsampled
    offered_rate = offered / seconds
    rows = [
        (
            "heavy accepted query (near the budget), idle server",
            f"{ms(heavy)}; /healthz meanwhile up to {ms(on_health)} on the health port, "
            f"{ms(on_main)} on the main port",
            "/healthz < 50 ms",
        ),
        ("sustainable rate (8 connections)", f"{rate:.0f} req/s", ""),
        (
            "offered",
            f"{offered} requests in {seconds:.0f} s = {offered_rate:.0f} req/s "
            f"({offered_rate / rate:.1f}x), {connections} conn. ({generator})",
            "4x",
        ),
        ("answered (any status)", f"{answered} = {answered / seconds:.0f} req/s", ""),
        ("accepted p99", ms(quantile(tally.latencies, 0.99)), "< 250 ms"),
        ("accepted", str(accepted), ""),
        ("shed (503)", f"{tally.shed} ({tally.shed / max(offered, 1):.0%})", ""),
        ("other statuses (0: no answer)", json.dumps(tally.other) if tally.other else "none", ""),
        ("client timeouts", str(tally.timeouts), "0"),
        *probe_rows("health port", on_health_port),
        *probe_rows("main port", on_main_port),
        *probe_rows("control (not newsgraph: an empty stdlib server)", on_control)[:1],
        ("listen queue overflows (kernel)", str(drops), "0"),
        ("slow clients cut off", f"{tally.slow_cut_off} of {SLOW_CLIENTS}", "all, after 10 s"),
        ("RSS before / peak", f"{before:.0f} / {peak:.0f} MiB", ""),
        (f"RSS {settle:g} s after", f"{after:.0f} MiB ({after / before - 1:+.0%})", "within 10 %"),
    ]
    rows += [(f"attack: {name}", answer, "4xx, fast") for name, answer in tally.attacks.items()]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of overload")
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--settle", type=float, default=60.0, help="seconds before the last RSS")
    parser.add_argument(
        "--shed-latency",
        type=float,
        default=0.0,
        help="the server's shed_latency (seconds; 0, its default, sheds by concurrency only)",
    )
    args = parser.parse_args(argv)
    # The demo content, named as a folder (as in a source checkout), and a health port.
    command = [sys.executable, "-m", "newsgraph.server.cli", "serve", str(ROOT / "seeds")]
    health_port = free_port()
    environment = {
        "NEWSGRAPH_HEALTH_PORT": str(health_port),
        "NEWSGRAPH_SHED_LATENCY": str(args.shed_latency),
    }
    with serving([*command, "--log-level=warning"], environment) as server:
        healthy(server)
        run = attack_run(
            server.port,
            health_port,
            server.process.pid,
            args.duration,
            args.connections,
            args.settle,
        )
        rows = uvloop.run(run)  # the client as cheap as it gets: it shares the server's cores
    print("| measure | result | target |\n|---|---|---|")
    for name, result, target in rows:
        print(f"| {name} | {result} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
