"""Live content: how long a file written into a served folder takes to show in a query answer,
against what showing it cost before watching: a restart, which loads the folder again.

The app runs in this process with its lifespan, so its watcher is the real one; a query asks
for the new article by URL until the answer has it. Only new files are written (and deleted
after), so the hard-linked copy never changes a file of the cached corpus.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import orjson

from bench import synthetic
from bench.asgi import started
from bench.config import bench_config, check_loaded
from bench.ingest import linked_copy
from bench.report import MILLISECONDS, Row, ratio, times
from bench.timing import Sample
from newsgraph.server.app import create_app
from newsgraph.server.runtime import Runtime

TARGET_SECONDS = 1.0  # write to visible, median, at the target size
TARGET_SIZE = 100_000
QUERY = "query Live($url: String!) { article(url: $url) { title } }"


def _article(number: int) -> tuple[str, str]:
    url = f"https://live.bench.example/{number}"
    text = (
        f"---\ntitle: Live {number}\nwebUrl: {url}\npublishedDateTime: 2024-06-01T10:00:00Z\n"
        "provider: {name: Bench, domain: bench.example}\ntopics: [Live]\n---\nText.\n"
    )
    return url, text


async def measure(size: int, runs: int) -> list[Row]:
    folder = synthetic.corpus(size)
    with tempfile.TemporaryDirectory(dir=synthetic.CACHE) as scratch:
        copy = linked_copy(folder, Path(scratch))
        config = bench_config(copy)  # watching is on by default
        async with started(create_app(config)) as client:
            runtime = client.app.state.runtime
            check_loaded(runtime.ingested, size)

            async def visible(number: int) -> float:
                url, text = _article(number)
                began = time.perf_counter()
                (copy / f"live-{number}.md").write_text(text)
                while True:
                    answer = orjson.loads(await client.graphql(QUERY, {"url": url}))
                    if answer["data"]["article"] is not None:
                        return time.perf_counter() - began
                    await asyncio.sleep(0.005)

            while runtime.snapshot.version < 2:  # until the watcher runs: written, not timed
                (copy / "live-0.md").write_text(_article(0)[1])
                await asyncio.sleep(0.5)
            latencies = [await visible(number) for number in range(1, runs + 1)]
        # What a change cost before watching: a restart, loading the folder from a warm cache.
        restarts = []
        for _ in range(max(1, runs // 3)):
            began = time.perf_counter()
            await Runtime(config).load()
            restarts.append(time.perf_counter() - began)
    change = Row("live: file write to query answer", size, MILLISECONDS, Sample(tuple(latencies)))
    reload = Row("live: restart (warm start)", size, MILLISECONDS, Sample(tuple(restarts)))
    at_target = size == TARGET_SIZE
    return [
        change.judged(
            times(ratio(reload, change), "faster than a restart"),
            f"< {TARGET_SECONDS:g} s" if at_target else "",
            Sample(tuple(latencies)).median < TARGET_SECONDS if at_target else None,
        ),
        reload,
    ]
