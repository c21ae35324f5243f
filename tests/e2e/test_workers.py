"""End to end: `newsgraph serve --workers 2` forks workers that share the parent's snapshot,
and a reload hands every worker the new one."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import WriteTree, front_matter
from tests.e2e.conftest import eventually, free_port, newsgraph_command

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
QUERY = {"query": "{ articles { edges { node { title } } } }"}


def children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8")
    return {int(child) for child in text.split()}


@contextmanager
def workers(folder: Path, config: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    arguments = ["serve", "--workers", "2", "--config", str(config), str(folder)]
    process = subprocess.Popen(
        [*newsgraph_command(), *arguments, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        eventually(lambda: _healthy(base), "the server never became healthy")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def titles(base: str, count: int) -> set[str]:
    """The titles answered by `count` requests, each on a connection of its own."""
    seen = set()
    for _ in range(count):
        answer = httpx.post(f"{base}/graphql", json=QUERY, timeout=10).json()
        seen |= {edge["node"]["title"] for edge in answer["data"]["articles"]["edges"]}
    return seen


def test_a_reload_reaches_every_worker(write_tree: WriteTree, tmp_path: Path) -> None:
    folder = write_tree({"a.md": front_matter(title='"Before"')})
    config = tmp_path / "newsgraph.yaml"
    config.write_text("server:\n  reload_interval: 0.3\n", encoding="utf-8")
    with workers(folder, config) as (base, process):
        first = children(process.pid)
        assert len(first) == 2
        assert titles(base, 10) == {"Before"}
        (folder / "a.md").write_text(front_matter(title='"After"'), encoding="utf-8")
        # A new generation is forked with the new snapshot and the old one is stopped; from
        # then on every worker answers from the new snapshot.
        eventually(
            lambda: len(now := children(process.pid)) == 2 and not now & first,
            "no new generation of workers",
        )
        assert titles(base, 20) == {"After"}
        assert children(process.pid).isdisjoint(first)
    assert process.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in first)


def _gone(pid: int) -> bool:
    """The process has exited: no longer there, or a zombie its new parent has not reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


def test_workers_stop_when_their_parent_is_killed(write_tree: WriteTree, tmp_path: Path) -> None:
    folder = write_tree({"a.md": front_matter()})
    config = tmp_path / "newsgraph.yaml"
    config.write_text("server: {}\n", encoding="utf-8")
    with workers(folder, config) as (_, process):
        forked = children(process.pid)
        assert len(forked) == 2
        process.kill()  # SIGKILL: the parent cannot stop them itself
        process.wait(timeout=30)
        eventually(lambda: all(_gone(pid) for pid in forked), "orphaned workers kept serving")
