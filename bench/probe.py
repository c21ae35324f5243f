"""One load of a folder through newsgraph's real pipeline, in a fresh process.

`python -m bench.probe FOLDER SIZE` prints one JSON line: the seconds `Runtime.load()` took and
the peak resident memory before and after it; it fails unless all SIZE articles loaded. A fresh
process is the only honest place to read peak memory, and the only place a start is a start.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sys
import time
from pathlib import Path

from bench.config import bench_config, check_loaded
from newsgraph.server.runtime import Runtime


def _peak_bytes() -> int:
    # Linux reports the peak resident set in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(folder: str, size: int) -> None:
    runtime = Runtime(bench_config(Path(folder)))
    gc.collect()
    baseline = _peak_bytes()
    started = time.perf_counter()
    ingested = asyncio.run(runtime.load())
    seconds = time.perf_counter() - started
    peak = _peak_bytes()
    check_loaded(ingested, size)
    print(json.dumps({"seconds": seconds, "baseline_bytes": baseline, "peak_bytes": peak}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
