"""`python -m bench` (`make bench`): measure ingest, in-process queries, HTTP and live changes
on synthetic corpora, print the results as a markdown table and record them in
docs/performance.md."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Sequence

from bench import ROOT, ingest, inprocess, live, loopback, processes, synthetic
from bench.report import Row, facts, table, write_document

DOCUMENT = ROOT / "docs" / "performance.md"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (200, 400)
HTTP_SIZE = 10_000  # the largest size served over HTTP: three servers each load it
SECTIONS = ("ingest", "query", "http", "processes", "live")
GROWTH_SECONDS, GROWTH_MARK = 120.0, 20.0  # the long run of unique pages, and its first mark


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part.replace("_", "")) for part in text.split(",")}))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes such as 1000,10000; got {text!r}"
        ) from None
    if not sizes or min(sizes) < 50:
        raise argparse.ArgumentTypeError("each size must be at least 50 articles")
    return sizes


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        type=_sizes,
        help="corpus sizes, comma-separated (default: 1000,10000,100000; with --quick: 200,400)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, one short run each (a smoke test)"
    )
    parser.add_argument("--only", choices=SECTIONS, help="run one section only")
    parser.add_argument(
        "--no-write", action="store_true", help="print the table; leave docs/performance.md"
    )
    return parser


_STARTED = time.perf_counter()


def _say(message: str) -> None:
    print(
        f"bench [{time.perf_counter() - _STARTED:4.0f} s]: {message}", file=sys.stderr, flush=True
    )


def _in_order(rows: list[Row]) -> list[Row]:
    """Each measurement's sizes together, measurements in the order they were first taken."""
    first_seen = {name: index for index, name in reversed(list(enumerate(r.name for r in rows)))}
    return sorted(rows, key=lambda row: (first_seen[row.name], row.size))


def run(sizes: Sequence[int], sections: Sequence[str], quick: bool) -> list[Row]:
    rows: list[Row] = []
    for size in sizes:
        synthetic.corpus(size)
        _say(f"corpus of {size:,} articles ready")
    if "ingest" in sections:
        for size in sizes:
            _say(f"ingest, {size:,} articles")
            rows += ingest.measure_size(size, runs=1 if quick or size > 10_000 else 3)
    if "query" in sections:
        queries: list[Row] = []
        for size in sizes:
            _say(f"in-process queries, {size:,} articles")
            queries += asyncio.run(
                inprocess.measure_size(
                    synthetic.corpus(size),
                    size,
                    runs=1 if quick else 5,
                    run_seconds=0.02 if quick else 0.25,
                )
            )
        rows += inprocess.flatness(queries)
    if "http" in sections:
        size = max((s for s in sizes if s <= HTTP_SIZE), default=min(sizes))
        _say(f"HTTP, {size:,} articles, load generator: {loopback.load_generator()}")
        rows += loopback.measure(
            size,
            runs=1 if quick else 3,
            duration=0.5 if quick else 3.0,
            warmup=0.2 if quick else 0.5,
        )
    if "processes" in sections:
        size = max((s for s in sizes if s <= HTTP_SIZE), default=min(sizes))
        drive = loopback.driver()
        _say(f"workers, {size:,} articles")
        rows += processes.measure_workers(
            size,
            drive,
            runs=1 if quick else 3,
            duration=0.5 if quick else 3.0,
            warmup=0.2 if quick else 0.5,
        )
        seconds, mark = (6.0, 2.0) if quick else (GROWTH_SECONDS, GROWTH_MARK)
        _say(f"resident memory over {seconds:.0f} s of unique pages, {size:,} articles")
        rows += processes.measure_growth(size, seconds, mark)
    if "live" in sections:
        for size in sizes:
            _say(f"live changes, {size:,} articles")
            rows += asyncio.run(live.measure(size, runs=2 if quick else 7))
    return _in_order(rows)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # newsgraph's ingest cache of the generated trees stays beside them (and out of the home
    # folder); the ingest section gives each of its loads a cache home of its own.
    os.environ["XDG_CACHE_HOME"] = str(synthetic.CACHE / "ingest-cache")
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    sections = (args.only,) if args.only else SECTIONS
    started = time.perf_counter()
    rows = run(sizes, sections, args.quick)
    text = f"{table(rows)}\n\n{facts(loopback.load_generator(), time.perf_counter() - started)}"
    print(text)
    if not args.no_write:
        write_document(DOCUMENT, text)
        _say(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
