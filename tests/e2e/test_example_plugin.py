"""The worked example plugin, pip-installed by the README's test command, used for real."""

from __future__ import annotations

import math
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SEEDS
from tests.e2e.conftest import newsgraph_command, serving

EXAMPLE = ROOT / "examples" / "newsgraph-reading-time"


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    try:
        version("newsgraph-reading-time")
    except PackageNotFoundError:
        pytest.fail("install the example plugin: pip install -e examples/newsgraph-reading-time")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "newsgraph.yaml"
    path.write_text(
        f"""
sources:
  - {{type: yaml_folder, name: seeds, options: {{path: "{SEEDS}"}}}}
  - {{type: csv_folder, name: csv, options: {{path: "{EXAMPLE / "sample"}"}}}}
plugins:
  reading_time: {{words_per_minute: 100}}
""",
        encoding="utf-8",
    )
    return path


def test_listed_by_the_plugins_command() -> None:
    listing = subprocess.run(
        [*newsgraph_command(), "plugins"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in listing.splitlines() if line.startswith("reading_time"))
    assert "0.1.0" in line and "False" in line
    assert "extend_schema" in line and "register_source_types" in line


def test_served_over_http(config: Path) -> None:
    with serving("--config", str(config)) as (base, _):
        plugins = {p["name"]: p for p in httpx.get(f"{base}/-/plugins", timeout=10).json()}
        sources = {s["name"]: s for s in httpx.get(f"{base}/-/sources", timeout=10).json()}
        query = "{ articles(first: 100) { edges { node { title source excerpt readingTime } } } }"
        result = httpx.post(f"{base}/graphql", json={"query": query}, timeout=10).json()
    assert plugins["reading_time"]["version"] == "0.1.0"
    assert sources["csv"]["status"] == "ok" and sources["csv"]["counts"]["articles"] >= 3
    nodes = [e["node"] for e in result["data"]["articles"]["edges"] if e["node"]["source"] == "csv"]
    assert len(nodes) >= 3
    for node in nodes:
        words = len(f"{node['title']} {node['excerpt'] or ''}".split())
        assert node["readingTime"] == max(1, math.ceil(words / 100))
