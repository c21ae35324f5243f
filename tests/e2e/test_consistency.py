"""Consistency under change: unique queries against a real uvicorn while the served folder
changes every 100 ms. No request fails, no answer mixes two snapshots, and the snapshots left
behind are freed.

It runs for `NEWSGRAPH_CONSISTENCY_SECONDS` (6 by default, kept short for CI; the issue's
soak is 30). The server runs in this process, on a thread, so the test can hold weak
references to the snapshots it saw.
"""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from newsgraph.engine.snapshot import Snapshot
from newsgraph.server.config import folder_sources
from newsgraph.server.runtime import Runtime
from newsgraph.testing import make_app
from tests.e2e.conftest import free_port

SECONDS = float(os.environ.get("NEWSGRAPH_CONSISTENCY_SECONDS", "6"))
CHANGE_EVERY = 0.1
CLIENTS = 3
QUERY = """
query Q%d($filter: ArticleFilter) {
  snapshot { version hash }
  articles(first: 100, filter: $filter) { totalCount edges { node { id topics { name } } } }
}
"""


def article(number: int, topic: str, title: str = "") -> str:
    return (
        f"---\ntitle: {title or f'Story {number}'}\nwebUrl: https://example.org/{number}\n"
        f"publishedDateTime: 2024-01-{number % 28 + 1:02d}T10:00:00Z\n"
        f"provider: {{name: Example, domain: example.org}}\ntopics: [{topic}]\n---\n"
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, Runtime]]:
    folder = tmp_path / "content"
    folder.mkdir()
    for number in range(40):
        (folder / f"{number}.md").write_text(article(number, ("Alpha", "Beta")[number % 2]))
    app = make_app(sources=folder_sources([folder]), watch=True)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, "127.0.0.1", port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", folder, app.state.runtime
    finally:
        server.should_exit = True
        thread.join(30)


def change_forever(folder: Path, stop: threading.Event, runtime: Runtime, seen: list[Any]) -> int:
    """Add, edit and delete files in turn every 100 ms; note each snapshot served."""
    step = 0
    while not stop.wait(CHANGE_EVERY):
        step += 1
        number = 40 + step // 3
        match step % 3:
            case 0:
                (folder / f"{number}.md").write_text(article(number, "Alpha"))
            case 1:
                (folder / f"{number - 1}.md").write_text(article(number - 1, "Beta", "Edited"))
            case _:
                (folder / f"{step % 40}.md").unlink(missing_ok=True)
        current = runtime.snapshot
        if not seen or seen[-1]() is not current:
            seen.append(weakref.ref(current))
    return step


def ask(base: str, stop: threading.Event, failures: list[str], answered: list[int]) -> None:
    """Unique queries until stopped; every answer is checked whole."""
    count = 0
    with httpx.Client(base_url=base, timeout=30) as http:
        while not stop.is_set():
            count += 1
            topic = ("Alpha", "Beta", None)[count % 3]
            where = {"topics": {"anyOf": [topic]}} if topic else {}
            query = QUERY % (threading.get_ident() * 1000 + count)
            response = http.post("/graphql", json={"query": query, "variables": {"filter": where}})
            body = response.json()
            if response.status_code != 200 or "errors" in body:
                failures.append(f"{response.status_code}: {body}")
                continue
            data = body["data"]
            snapshot, articles = data["snapshot"], data["articles"]
            edges = articles["edges"]
            header = response.headers["x-newsgraph-snapshot"]
            if header != snapshot["hash"]:
                failures.append(f"header {header} but body {snapshot}")
            if articles["totalCount"] != len(edges):
                failures.append(f"totalCount {articles['totalCount']} but {len(edges)} edges")
            if topic and any(
                topic not in [t["name"] for t in edge["node"]["topics"]] for edge in edges
            ):
                failures.append(f"an edge outside the filter {topic}")
    answered.append(count)


def test_no_answer_mixes_snapshots_while_the_folder_changes(
    served: tuple[str, Path, Runtime],
) -> None:
    base, folder, runtime = served
    stop = threading.Event()
    failures: list[str] = []
    answered: list[int] = []
    seen: list[weakref.ref[Snapshot]] = []
    clients = [
        threading.Thread(target=ask, args=(base, stop, failures, answered)) for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    changer = threading.Thread(target=change_forever, args=(folder, stop, runtime, seen))
    changer.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in (*clients, changer):
        thread.join(60)

    assert failures == []
    assert len(answered) == CLIENTS and all(answered)
    assert len(seen) > 2, "the content should have changed several times"
    # The snapshots that were replaced are gone: nothing holds an old catalog.
    gc.collect()
    alive = [ref() for ref in seen if ref() is not None]
    assert [s.version for s in alive if s is not runtime.snapshot] == []
