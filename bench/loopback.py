"""HTTP on loopback: real uvicorn servers in subprocesses, one worker each, and the Node peers
(`bench.node_peers`) where node is installed, driven by a load generator in yet another
process: wrk when it is on PATH, else `bench.loadgen`.

Each run measures every server once, in turn, so a noisy moment on a shared machine falls on
one round rather than on one server.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson

from bench import ROOT, node_peers, synthetic
from bench.config import LOAD_TIMEOUT
from bench.loadgen import cpu_seconds
from bench.queries import PAGE, PREFERENCES, Fetch, Variables, page_variables, walk
from bench.report import REQUESTS_PER_SECOND, Row, ratio, share, times
from bench.timing import Sample

REPEATED_TARGET = 0.6  # a repeated query: at least this share of the static route's rate
UNIQUE_TARGET = 10.0  # unique pages: at least this many times default Strawberry's rate
# Unique pages: at least this many times each Node peer's rate.
PEER_TARGETS = {"Mercurius": 1.0, "Yoga": 3.0}
CHECKED_BODIES = 30  # unique bodies whose answers each peer must give exactly as newsgraph
CONNECTIONS = 16
STATIC = "HTTP: static bytes route (floor)"
REPEATED = "HTTP: page, repeated"
UNIQUE = "HTTP: page, unique"
DEFAULT = "HTTP: page, default Strawberry"


def peer_row_name(peer: str, kind: str) -> str:
    return f"HTTP: page, {kind}, {peer} (Node)"


@dataclass(frozen=True, slots=True)
class Server:
    port: int
    process: subprocess.Popen[bytes]
    output: IO[bytes]  # what it printed, for the error when it fails to start


@dataclass(frozen=True, slots=True)
class Load:
    """One timed run: requests per second, and the CPU share each side used meanwhile."""

    rate: float
    error: str | None
    client_cpu: float | None
    server_cpu: float | None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(port: int, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"}
        connection.request("GET" if body is None else "POST", path, body, headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def serving(command: Sequence[str], env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start a server on a free port (see `healthy`); stop it however the block is left."""
    port = free_port()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield Server(port, process, output)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def healthy(*servers: Server) -> None:
    """Wait until every server's /healthz answers 200 (they start, and load, side by side)."""
    deadline = time.monotonic() + LOAD_TIMEOUT
    for server in servers:
        while True:
            if server.process.poll() is not None:
                server.output.seek(0)
                tail = server.output.read()[-2000:].decode(errors="replace")
                args, code = server.process.args, server.process.returncode
                raise RuntimeError(f"{args!r} exited ({code}):\n{tail}")
            try:
                if _get(server.port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no healthy server on port {server.port}")
            time.sleep(0.1)


def _run(command: list[str]) -> str:
    """Run a load generator; its output, or an error that shows what it said."""
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


def _python_load(server: Server, bodies: Path, duration: float, warmup: float) -> Load:
    options = [f"--port={server.port}", f"--connections={CONNECTIONS}"]
    options += [f"--duration={duration}", f"--warmup={warmup}"]
    options.append(f"--server-pid={server.process.pid}")
    result = json.loads(_run([sys.executable, "-m", "bench.loadgen", str(bodies), *options]))
    return Load(
        result["requests"] / result["seconds"],
        result["first_error"],
        result["client_cpu"],
        result["server_cpu"],
    )


def _wrk_load(server: Server, bodies: Path, duration: float, warmup: float) -> Load:
    script = bodies.with_suffix(".lua")
    quoted = ",\n".join(f"[==[{body}]==]" for body in bodies.read_text().splitlines())
    script.write_text(
        f"local bodies = {{\n{quoted}\n}}\nlocal sent = 0\n"
        "request = function()\n  sent = sent + 1\n  return wrk.format('POST', '/graphql', "
        "{['Content-Type'] = 'application/json'}, bodies[(sent % #bodies) + 1])\nend\n"
    )

    def wrk(seconds: float) -> str:
        # wrk takes whole seconds only.
        duration = f"-d{max(1, round(seconds))}s"
        command = ["wrk", "-t1", f"-c{CONNECTIONS}", duration, "-s", str(script)]
        url = f"http://127.0.0.1:{server.port}/graphql"
        return _run([*command, url])

    wrk(warmup)
    pid = server.process.pid
    before, children, started = cpu_seconds(pid), os.times(), time.perf_counter()
    report = wrk(duration)
    seconds, after, children_after = time.perf_counter() - started, cpu_seconds(pid), os.times()
    rate = re.search(r"Requests/sec:\s+([\d.]+)", report)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", report)
    client = children_after.children_user + children_after.children_system
    client -= children.children_user + children.children_system
    return Load(
        float(rate.group(1)) if rate else 0.0,
        failed.group(0) if failed else None,
        client / seconds,
        None if before is None or after is None else (after - before) / seconds,
    )


def driver() -> Callable[[Server, Path, float, float], Load]:
    """How to drive a server: wrk where it is installed, else `bench.loadgen`."""
    return _wrk_load if shutil.which("wrk") else _python_load


def load_generator() -> str:
    return "wrk" if shutil.which("wrk") else "bench.loadgen (Python, uvloop)"


def bodies_file(folder: Path, name: str, bodies: Sequence[bytes]) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_bytes(b"\n".join(bodies))
    return path


async def fetch_over(port: int, document: str, variables: Variables) -> bytes:
    body = orjson.dumps({"query": document, "variables": variables})
    status, answer = await asyncio.to_thread(_get, port, "/graphql", body)
    if status != 200:
        raise RuntimeError(f"POST /graphql answered {status}: {answer[:300]!r}")
    return answer


def measure(size: int, runs: int, duration: float, warmup: float) -> list[Row]:
    folder = synthetic.corpus(size)
    drive = driver()
    python = sys.executable
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        config = scratch / "newsgraph.yaml"
        config.write_text(f"server: {{source_timeout: {LOAD_TIMEOUT}}}\n", encoding="utf-8")
        serve = [python, "-m", "newsgraph.server.cli", "serve", f"--config={config}", str(folder)]
        newsgraph = stack.enter_context(
            serving([*serve, "--log-level=warning"], {"NEWSGRAPH_LOAD_PLUGINS": ""})
        )
        default = stack.enter_context(
            serving([python, "-m", "bench.servers", "strawberry", str(folder)])
        )
        healthy(newsgraph, default)

        async def fetch(document: str, variables: Variables) -> bytes:
            return await fetch_over(newsgraph.port, document, variables)

        walked = asyncio.run(walk(fetch, limit=10_000))
        page = asyncio.run(fetch(PAGE, {"after": None}))
        (scratch / "page.json").write_bytes(page)
        static = stack.enter_context(
            serving([python, "-m", "bench.servers", "static", str(scratch / "page.json")])
        )
        repeated = bodies_file(scratch, "repeated", [orjson.dumps({"query": PAGE})])
        unique = page_variables(walked)
        # Each run gets its own share of the distinct pages, so no run repeats another's.
        per_run = len(walked.cursors) * len(PREFERENCES) // runs
        runs_bodies = [
            [
                orjson.dumps({"query": PAGE, "variables": unique(n)})
                for n in range(run * per_run, (run + 1) * per_run)
            ]
            for run in range(runs)
        ]
        peers, skipped = _start_peers(stack, fetch, scratch)
        healthy(static, *peers.values())
        checked = {
            name: _differs(
                newsgraph, server, [repeated.read_bytes(), *runs_bodies[0][:CHECKED_BODIES]]
            )
            for name, server in peers.items()
        }
        loads: dict[str, list[Load]] = {STATIC: [], REPEATED: [], UNIQUE: [], DEFAULT: []}
        for run, bodies in enumerate(runs_bodies):
            fresh = bodies_file(scratch, f"unique-{run}", bodies)
            targets = [
                (STATIC, static, repeated),
                (REPEATED, newsgraph, repeated),
                (UNIQUE, newsgraph, fresh),
                (DEFAULT, default, fresh),
            ]
            for name, server in peers.items():
                if checked[name] is None:
                    targets.append((peer_row_name(name, "unique"), server, fresh))
                    targets.append((peer_row_name(name, "repeated"), server, repeated))
            for name, server, path in targets:
                loads.setdefault(name, []).append(drive(server, path, duration, warmup))
    return judge(size, loads) + judge_peers(size, loads, skipped, checked)


def _start_peers(
    stack: ExitStack, fetch: Fetch, scratch: Path
) -> tuple[dict[str, Server], str | None]:
    """The Node peers, serving what newsgraph serves; none, and why, where they cannot run."""
    skipped = node_peers.unavailable()
    if skipped is not None:
        return {}, skipped
    try:
        node_peers.install()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as failure:
        return {}, f"skipped: the Node peers could not be installed: {failure}"
    data = asyncio.run(node_peers.export(fetch, scratch / "articles.json"))
    servers = {
        name: stack.enter_context(serving(node_peers.command(name, data)))
        for name in node_peers.PEERS
    }
    return servers, None


def _differs(newsgraph: Server, peer: Server, bodies: Sequence[bytes]) -> str | None:
    """How the peer's first answer that is not newsgraph's differs, or None when all agree."""
    for body in bodies:
        ours, theirs = (_get(server.port, "/graphql", body) for server in (newsgraph, peer))
        if ours[0] != theirs[0] or orjson.loads(ours[1]) != orjson.loads(theirs[1]):
            return f"answers differ from newsgraph's: {theirs[0]} {theirs[1][:200]!r}"
    return None


def _mean(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return sum(known) / len(known) if known else None


def _row(size: int, name: str, loads: list[Load]) -> Row:
    error = next((load.error for load in loads if load.error), None)
    if error is not None:
        return Row(name, size, REQUESTS_PER_SECOND, None, note=f"error: {error}")
    sample = Sample(tuple(load.rate for load in loads))
    server = _mean([load.server_cpu for load in loads])
    client = _mean([load.client_cpu for load in loads])
    notes = [] if server is None else [f"server CPU {server:.0%}"]
    if client:
        notes.append(f"generator CPU {client:.0%}")
        if name == STATIC:
            # The generator's own limit, if its cost per request stays what it was here.
            notes.append(f"generator ceiling ≈ {sample.median / client:,.0f} req/s")
    return Row(name, size, REQUESTS_PER_SECOND, sample, note=", ".join(notes))


def judge(size: int, loads: dict[str, list[Load]]) -> list[Row]:
    static, repeated, unique, default = (
        _row(size, name, loads[name]) for name in (STATIC, REPEATED, UNIQUE, DEFAULT)
    )
    of_static = ratio(repeated, static)
    of_default = ratio(unique, default)
    default_share = ratio(default, static)
    return [
        static,
        repeated.judged(
            share(of_static, "static"),
            f"≥ {REPEATED_TARGET:.0%} of static",
            None if of_static is None else of_static >= REPEATED_TARGET,
        ),
        unique.judged(
            times(of_default, "default Strawberry"),
            f"≥ {UNIQUE_TARGET:g}× default Strawberry",
            None if of_default is None else of_default >= UNIQUE_TARGET,
        ),
        default.judged(share(default_share, "static")),
    ]


def judge_peers(
    size: int, loads: dict[str, list[Load]], skipped: str | None, checked: dict[str, str | None]
) -> list[Row]:
    """Each peer's rows; the unique one judged by how many times its rate newsgraph's is."""
    unique = _row(size, UNIQUE, loads[UNIQUE])
    rows = []
    for peer, target in PEER_TARGETS.items():
        why = skipped or checked.get(peer)
        names = (peer_row_name(peer, "unique"), peer_row_name(peer, "repeated"))
        if why is not None:
            rows += [Row(name, size, REQUESTS_PER_SECOND, None, note=why) for name in names]
            continue
        theirs, repeated = (_row(size, name, loads[name]) for name in names)
        ours = ratio(unique, theirs)
        rows.append(
            theirs.judged(
                times(ours, "this (newsgraph's unique rate)"),
                f"newsgraph ≥ {target:g}× this",
                None if ours is None else ours >= target,
            )
        )
        rows.append(repeated)
    return rows
