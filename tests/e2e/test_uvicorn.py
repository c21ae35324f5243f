"""End to end: the `newsgraph serve` command in a real uvicorn on a free loopback port."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SEEDS
from tests.server.test_app import ACCEPTANCE_QUERY


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def newsgraph_command() -> list[str]:
    script = shutil.which("newsgraph", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "server.cli"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [*newsgraph_command(), "serve", str(SEEDS), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stdout.read() if process.stdout else ''}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not become healthy in 30 s")
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        # The start-up line carries the counts.
        assert "newsgraph: 43 articles (4 drafts hidden), 8 topics" in output, output


def test_acceptance_query_over_get_and_post(server: str) -> None:
    posted = httpx.post(f"{server}/graphql", json={"query": ACCEPTANCE_QUERY}, timeout=10)
    got = httpx.get(f"{server}/graphql", params={"query": ACCEPTANCE_QUERY}, timeout=10)
    assert posted.status_code == got.status_code == 200
    assert posted.json() == got.json()
    edges = posted.json()["data"]["articles"]["edges"]
    assert len(edges) == 5
    assert all(edge["node"]["url"].startswith("https://") for edge in edges)
    assert all(edge["node"]["provider"]["name"] for edge in edges)


def test_graphiql_page(server: str) -> None:
    page = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_hostile_query_is_a_graphql_error(server: str) -> None:
    deep = (
        "{ articles { edges { node { " + "related { article { " * 8 + "id" + " } }" * 8 + " } } } }"
    )
    response = httpx.post(f"{server}/graphql", json={"query": deep}, timeout=10)
    assert response.status_code == 200
    assert "maximum operation depth" in json.dumps(response.json()["errors"])
