"""Ingest: cold load, warm start and memory through the real pipeline, against libyaml's raw
parse rate of the same front-matter blocks on one core.

Each cold load reads a fresh hard-linked copy of the generated tree, at a new path and with an
empty cache home, so no cache of an earlier run can answer it; the warm start is a second fresh
process loading that same, unchanged copy. The OS page cache is warm for both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench import ROOT, synthetic
from bench.report import FILES_PER_SECOND, KILOBYTES, MEBIBYTES, Row, ratio, times
from bench.timing import Sample

COLD_TARGET = 0.9  # cold ingest: at least this share of libyaml's raw parse rate
WARM_TARGET = 10.0  # warm start of the largest corpus: at least this many times faster
MEMORY_TARGET = 2500  # bytes of resident memory per article at the largest corpus
TARGET_SIZE = 100_000  # the size the warm-start and memory targets are set for
FLOOR_SAMPLE = 20_000


def front_matter_blocks(folder: Path, limit: int) -> list[str]:
    """The YAML text (front matter of `.md`, all of `.yaml`) of up to `limit` content files,
    evenly spaced: a parse rate needs a large sample, not every file."""
    paths = sorted(p for p in folder.rglob("*") if p.suffix in (".md", ".yaml"))
    blocks = []
    for path in paths[:: -(-len(paths) // limit)]:
        text = path.read_text(encoding="utf-8")
        blocks.append(text[4 : text.index("\n---", 4)] if path.suffix == ".md" else text)
    return blocks


def libyaml_rate(blocks: list[str], runs: int) -> Sample:
    """Blocks parsed per second by `yaml.CSafeLoader` on this one core."""
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        for block in blocks:
            yaml.load(block, Loader=yaml.CSafeLoader)
        rates.append(len(blocks) / (time.perf_counter() - started))
    return Sample(tuple(rates))


def linked_copy(folder: Path, into: Path) -> Path:
    copy = into / "corpus"
    for directory, _, files in os.walk(folder):
        target = copy / Path(directory).relative_to(folder)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            os.link(Path(directory) / name, target / name)
    return copy


def _probe(folder: Path, size: int, cache_home: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.probe", str(folder), str(size)],
        cwd=ROOT,
        env={**os.environ, "XDG_CACHE_HOME": str(cache_home)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"loading {size:,} articles failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def measure_size(size: int, runs: int) -> list[Row]:
    folder = synthetic.corpus(size)
    files = synthetic.file_count(size)
    blocks = front_matter_blocks(folder, FLOOR_SAMPLE)
    floor = Row(
        "ingest: libyaml parse, one core (floor)",
        size,
        FILES_PER_SECOND,
        libyaml_rate(blocks, runs),
        note="" if len(blocks) == files else f"a {len(blocks):,}-file sample",
    )
    cold, warm, peaks, per_article = [], [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(dir=synthetic.CACHE) as scratch:
            copy = linked_copy(folder, Path(scratch))
            first = _probe(copy, size, Path(scratch) / "cache-home")
            second = _probe(copy, size, Path(scratch) / "cache-home")
        cold.append(files / first["seconds"])
        warm.append(files / second["seconds"])
        peaks.append(float(first["peak_bytes"]))
        per_article.append((first["peak_bytes"] - first["baseline_bytes"]) / size)
    cold_row = Row("ingest: cold load", size, FILES_PER_SECOND, Sample(tuple(cold)))
    warm_row = Row("ingest: warm start", size, FILES_PER_SECOND, Sample(tuple(warm)))
    memory = Sample(tuple(per_article))
    at_target = size == TARGET_SIZE
    cold_ratio, warm_ratio = ratio(cold_row, floor), ratio(warm_row, cold_row)
    return [
        floor,
        cold_row.judged(
            times(cold_ratio, "libyaml"),
            f"≥ {COLD_TARGET:g}× libyaml",
            None if cold_ratio is None else cold_ratio >= COLD_TARGET,
        ),
        warm_row.judged(
            times(warm_ratio, "cold"),
            f"≥ {WARM_TARGET:g}× cold" if at_target else "",
            warm_ratio >= WARM_TARGET if at_target and warm_ratio is not None else None,
        ),
        Row("peak RSS after cold load", size, MEBIBYTES, Sample(tuple(peaks))),
        Row(
            "memory per article (peak RSS)",
            size,
            KILOBYTES,
            memory,
            target=f"< {MEMORY_TARGET / 1000:g} KB" if at_target else "",
            met=memory.median < MEMORY_TARGET if at_target else None,
        ),
    ]
