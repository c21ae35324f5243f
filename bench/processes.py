"""HTTP rows about processes: `newsgraph serve --workers` with one and two workers (rate, and
the memory a second worker adds), and resident memory over a long run of unique pages.

Memory is read from /proc: a worker's own share is its private pages (`Private_Clean` +
`Private_Dirty` of smaps_rollup); what it shares with the parent, the loaded snapshot above
all, it does not add. Where /proc is missing the rows say so.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import orjson

from bench import synthetic
from bench.config import LOAD_TIMEOUT
from bench.loopback import (
    CONNECTIONS,
    Load,
    Server,
    bodies_file,
    fetch_over,
    healthy,
    serving,
)
from bench.queries import PAGE, PREFERENCES, Variables, page_variables, walk
from bench.report import MEBIBYTES, REQUESTS_PER_SECOND, Row, share
from bench.timing import Sample

WORKER_MEMORY_TARGET = 0.25  # a second worker adds under this share of one worker's memory
GROWTH_TARGET = 0.10  # after the first marks' seconds, resident memory grows by less than this


def _smaps(pid: int) -> dict[str, int] | None:
    """smaps_rollup's fields in bytes, or None without /proc."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="utf-8")
    except OSError:
        return None
    fields = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        value = rest.split()
        if len(value) == 2 and value[1] == "kB":
            fields[name] = int(value[0]) * 1024
    return fields


def rss(pid: int) -> int | None:
    fields = _smaps(pid)
    return None if fields is None else fields["Rss"]


def private(pid: int) -> int | None:
    fields = _smaps(pid)
    return None if fields is None else fields["Private_Clean"] + fields["Private_Dirty"]


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8")
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _serve(stack: ExitStack, folder: Path, config: Path, workers: int) -> Server:
    command = [sys.executable, "-m", "newsgraph.server.cli", "serve", f"--config={config}"]
    command += [str(folder), "--log-level=warning", f"--workers={workers}"]
    return stack.enter_context(serving(command, {"NEWSGRAPH_LOAD_PLUGINS": ""}))


def _unique_bodies(port: int, scratch: Path) -> Path:
    async def fetch(document: str, variables: Variables) -> bytes:
        return await fetch_over(port, document, variables)

    walked = asyncio.run(walk(fetch, limit=10_000))
    unique = page_variables(walked)
    count = len(walked.cursors) * len(PREFERENCES)
    bodies = [orjson.dumps({"query": PAGE, "variables": unique(n)}) for n in range(count)]
    return bodies_file(scratch, "unique", bodies)


def measure_workers(
    size: int,
    drive: Callable[[Server, Path, float, float], Load],
    runs: int,
    duration: float,
    warmup: float,
) -> list[Row]:
    """Unique pages from one worker and from two, and the second worker's own memory."""
    folder = synthetic.corpus(size)
    rates: dict[int, list[float]] = {1: [], 2: []}
    memory: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(temporary)
        config = scratch / "newsgraph.yaml"
        config.write_text(f"server: {{source_timeout: {LOAD_TIMEOUT}}}\n", encoding="utf-8")
        with ExitStack() as stack:
            one, two = (_serve(stack, folder, config, n) for n in (1, 2))
            healthy(one, two)
            memory["one idle"] = rss(one.process.pid)
            memory["worker idle"] = _worker_private(two)
            bodies = _unique_bodies(one.port, scratch)
            for _ in range(runs):
                for count, server in ((1, one), (2, two)):
                    rates[count].append(drive(server, bodies, duration, warmup).rate)
            memory["one"] = rss(one.process.pid)
            memory["worker"] = _worker_private(two)
    rows = [
        Row(
            f"HTTP: page, unique, --workers {count}",
            size,
            REQUESTS_PER_SECOND,
            Sample(tuple(values)),
            note="load generator on the same 2 cores" if count == 2 else "",
        )
        for count, values in rates.items()
    ]
    for when, suffix in (("idle", " idle"), ("after the runs", "")):
        rows.append(_added_row(size, when, memory[f"one{suffix}"], memory[f"worker{suffix}"]))
    return rows


def _worker_private(server: Server) -> int | None:
    """The largest private memory among a multi-worker server's workers."""
    workers = children(server.process.pid)
    sizes = [size for size in map(private, workers) if size is not None]
    return max(sizes) if sizes else None


def _added_row(size: int, when: str, one: int | None, worker: int | None) -> Row:
    name = f"memory a second worker adds, {when}"
    if one is None or worker is None:
        return Row(name, size, MEBIBYTES, None, note="no /proc")
    added = worker / one
    return Row(name, size, MEBIBYTES, Sample((float(worker),))).judged(
        share(added, f"one worker's {one / 2**20:,.0f} MiB"),
        f"< {WORKER_MEMORY_TARGET:.0%} of one worker's",
        added < WORKER_MEMORY_TARGET,
    )


def measure_growth(size: int, seconds: float, mark: float) -> list[Row]:
    """Resident memory of one server under unique pages: at `mark` seconds and at the end."""
    folder = synthetic.corpus(size)
    with tempfile.TemporaryDirectory() as temporary, ExitStack() as stack:
        scratch = Path(temporary)
        config = scratch / "newsgraph.yaml"
        config.write_text(f"server: {{source_timeout: {LOAD_TIMEOUT}}}\n", encoding="utf-8")
        server = _serve(stack, folder, config, 1)
        healthy(server)
        bodies = _unique_bodies(server.port, scratch)
        options = [f"--port={server.port}", f"--connections={CONNECTIONS}"]
        options += [f"--duration={seconds}", "--warmup=0"]
        load = subprocess.Popen(
            [sys.executable, "-m", "bench.loadgen", str(bodies), *options],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(mark)
        early = rss(server.process.pid)
        out, _ = load.communicate()
        late = rss(server.process.pid)
        result = json.loads(out)
    name = f"RSS after {seconds:.0f} s of unique pages"
    if early is None or late is None:
        return [Row(name, size, MEBIBYTES, None, note="no /proc")]
    growth = late / early - 1
    rate = result["requests"] / result["seconds"]
    return [
        Row(name, size, MEBIBYTES, Sample((float(late),)), note=f"{rate:,.0f} req/s").judged(
            f"{growth:+.1%} since {mark:.0f} s ({early / 2**20:,.0f} MiB)",
            f"within {GROWTH_TARGET:.0%} of {mark:.0f} s",
            abs(growth) <= GROWTH_TARGET,
        )
    ]
