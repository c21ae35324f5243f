"""The benchmark harness: a quick run prints every row, and the synthetic corpus is
deterministic and shaped like the real one. Nothing here asserts a timing."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import burst, hostile, loopback, overload, report, synthetic
from newsgraph.engine import normalise
from newsgraph.server.config import Config
from newsgraph.testing import client, make_app
from tests.conftest import ROOT

ROWS = [
    "ingest: libyaml parse, one core (floor)",
    "ingest: cold load",
    "ingest: warm start",
    "peak RSS after cold load",
    "memory per article (peak RSS)",
    "page, dict + orjson (floor)",
    "page, graphql-core over dicts (floor)",
    "page, default Strawberry",
    "page, repeated",
    "page, unique",
    "topic page",
    "filter",
    "search",
    "facets",
    "article by id",
    "HTTP: static bytes route (floor)",
    "HTTP: page, repeated",
    "HTTP: page, unique",
    "HTTP: page, default Strawberry",
    "HTTP: page, unique, Mercurius (Node)",
    "HTTP: page, repeated, Mercurius (Node)",
    "HTTP: page, unique, Yoga (Node)",
    "HTTP: page, repeated, Yoga (Node)",
    "HTTP: page, unique, --workers 1",
    "HTTP: page, unique, --workers 2",
    "memory a second worker adds, idle",
    "memory a second worker adds, after the runs",
    "RSS after 6 s of unique pages",
    "live: file write to query answer",
    "live: restart (warm start)",
]
# Rows measured at the larger size only: over HTTP, and the server processes.
LARGER_ONLY = ("HTTP", "memory", "RSS")


def test_quick_run_prints_every_row() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--no-write"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for name in ROWS:
        # --quick measures corpora of 200 and 400 articles, and HTTP at the larger only.
        for size in [400] if name.startswith(LARGER_ONLY) else [200, 400]:
            assert any(line.startswith(f"| {name} | {size} |") for line in lines), (name, size)
    assert "error:" not in done.stdout
    # Where node runs the peers, their answers were found equal to newsgraph's.
    assert "answers differ" not in done.stdout
    assert "- Machine:" in done.stdout and "- Packages: newsgraph" in done.stdout


def test_generator_is_deterministic(tmp_path: Path) -> None:
    synthetic.write(tmp_path / "one", 40, seed=3)
    synthetic.write(tmp_path / "two", 40, seed=3)
    synthetic.write(tmp_path / "other", 40, seed=4)
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*.*")}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*.*")}
    assert len(one) == synthetic.file_count(40)
    assert one == two
    assert synthetic.article(7, seed=3) != synthetic.article(7, seed=4)


def test_generated_tree_is_cached_per_version(tmp_path: Path) -> None:
    folder = synthetic.corpus(30, cache=tmp_path)
    (tmp_path / "v0-seed6").mkdir()  # a tree of an older generator
    assert synthetic.corpus(30, cache=tmp_path) == folder
    assert not (tmp_path / "v0-seed6").exists()
    assert len(list((folder / "_news").iterdir())) == 30


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    texts = (synthetic.article(index)[1] for index in range(3000))
    return [yaml.load(text.split("---\n")[1], Loader=yaml.CSafeLoader) for text in texts]


def share(records: list[dict[str, Any]], test: Callable[[dict[str, Any]], object]) -> float:
    return sum(1 for record in records if test(record)) / len(records)


def test_every_record_is_a_valid_article(records: list[dict[str, Any]]) -> None:
    results = [normalise.article(record) for record in records]
    assert all(findings == [] for _, findings in results)
    ids = {article.id for article, _ in results if article is not None}
    assert len(ids) == len(results)


def test_field_distribution_follows_the_corpus(records: list[dict[str, Any]]) -> None:
    domains = Counter(record["provider"]["domain"] for record in records)
    assert domains.most_common(1)[0][1] / len(records) == pytest.approx(532 / 674, abs=0.03)
    assert share(records, lambda r: "ampWebUrl" in r) == pytest.approx(42 / 674, abs=0.015)
    assert share(records, lambda r: r["published"]) == pytest.approx(428 / 674, abs=0.03)
    assert share(records, lambda r: r["type"] == "video") == pytest.approx(12 / 674, abs=0.01)
    assert share(records, lambda r: "related" in r) == pytest.approx(6 / 47, abs=0.03)
    topics = statistics.mean(len(record["topics"]) for record in records)
    assert topics == pytest.approx(1 + 124 / 674, abs=0.03)
    titles = statistics.mean(len(record["title"]) for record in records)
    assert titles == pytest.approx(67.3, abs=4)
    years = Counter(record["publishedDateTime"].year for record in records)
    assert min(years) == 2019 and max(years) == 2024
    assert years.most_common(1)[0][0] == 2021  # as in the corpus
    qualities = [record["quality"] for record in records]
    assert all(0 <= q <= 189 for q in qualities)


def test_a_rerun_replaces_only_the_generated_part(tmp_path: Path) -> None:
    document = tmp_path / "performance.md"
    document.write_text("# Performance\n\nHand-written intro.\n", encoding="utf-8")
    report.write_document(document, "first table")
    report.write_document(document, "second table")
    text = document.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\nHand-written intro.\n")
    assert "second table" in text and "first table" not in text
    assert text.count(report.BEGIN) == text.count(report.END) == 1


@pytest.mark.asyncio
async def test_the_hostile_heavy_query_nearly_fills_the_default_budget() -> None:
    # The hostile benchmark times how long its heavy query holds the event loop: a figure
    # that means something only while the default budget accepts the query and nearly fills.
    async with client(make_app()) as http:
        answer = (await http.post("/graphql", json=hostile.HEAVY)).json()
    assert "errors" not in answer
    cost = answer["extensions"]["cost"]
    assert 0.8 * cost["budget"] <= cost["estimated"] <= cost["budget"]


@pytest.mark.asyncio
async def test_the_bursts_heavy_query_is_costly_enough_to_shed() -> None:
    # The burst benchmark reports what the busy-loop rule sheds: its query must be one the
    # default shed_min_cost calls costly, and within the budget.
    query = {"query": burst.HEAVY.format(n=0), "extensions": {"cost": True}}
    async with client(make_app()) as http:
        answer = (await http.post("/graphql", json=query)).json()
    assert "errors" not in answer
    cost = answer["extensions"]["cost"]
    assert cost["estimated"] == 17_306 >= Config(sources=()).shed_min_cost


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt: wrk)")
def test_the_hostile_overload_from_wrk_counts_every_answer(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "newsgraph.server.cli", "serve", str(ROOT / "seeds")]
    bodies = [b'{"query": "{ articles(first: 1) { totalCount } }"}', b'"not an object"']
    with loopback.serving([*command, "--log-level=warning"]) as server:
        loopback.healthy(server)
        done = overload.wrk_overload(server.port, bodies, 200, 4, 1, 5, tmp_path)
    assert done.requests > 0 and done.seconds > 0
    assert set(done.statuses) == {200, 400}
    assert sum(done.statuses.values()) == done.requests
    assert done.timeouts == 0
    assert done.requests <= done.sent
    # An open loop: 200 requests a second for a second, where the closed loop of 4 connections
    # sends thousands; wrk's clock, not ours, decides the second.
    assert done.sent < 400
