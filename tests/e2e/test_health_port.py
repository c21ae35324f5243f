"""The health port on a real uvicorn: `newsgraph serve` as a subprocess, with a plugin (a real
distribution on the subprocess's path) whose `Article.hold` resolver keeps the event loop busy
for a while, as a heavy query does. Assertions are about order (the probe is answered before
the query ends), never about how fast."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEEDS
from tests.e2e.conftest import eventually, free_port, newsgraph_command

HOLD = {"query": "{ articles(first: 1) { edges { node { hold } } } }"}
DEADLINE = 60.0  # seconds for the server to start, and for the hold to begin

# Busy, not asleep: the resolver holds the GIL as long work does. It is `async def` (and never
# awaits) so that GraphQL execution stays on the event loop, which it then holds; a plain
# resolver would run on a worker thread and leave the loop free.
PLUGIN = """
import time
from pathlib import Path

from newsgraph.plugin_api import ArticleField, SchemaAddition, hookimpl

async def hold(article):
    Path({marker!r}).touch()
    end = time.monotonic() + {seconds}
    while time.monotonic() < end:
        pass
    return 1

@hookimpl
def extend_schema():
    return SchemaAddition(article_fields=[ArticleField(name="hold", type="Int", resolve=hold)])
"""


# Asleep, not busy: a plain resolver runs on a worker thread, so the loop stays free (and
# beats) while this request is in flight, until the test creates the release file.
WAITING_PLUGIN = """
import time
from pathlib import Path

from newsgraph.plugin_api import ArticleField, SchemaAddition, hookimpl

def hold(article):
    Path({marker!r}).touch()
    end = time.monotonic() + 60
    while not Path({release!r}).exists() and time.monotonic() < end:
        time.sleep(0.05)
    return 1

@hookimpl
def extend_schema():
    return SchemaAddition(article_fields=[ArticleField(name="hold", type="Int", resolve=hold)])
"""


def install_plugin(folder: Path, seconds: float, source: str = PLUGIN) -> Path:
    """A `newsgraph` entry point whose resolver holds the loop `seconds` (or, with
    `WAITING_PLUGIN`, waits for a file named `release` beside it); the file it touches when it
    starts."""
    marker = folder / "holding"
    release = folder / "release"
    code = source.format(marker=str(marker), seconds=seconds, release=str(release))
    (folder / "ng_hold.py").write_text(code)
    info = folder / "newsgraph_hold-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: newsgraph-hold\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[newsgraph]\nhold = ng_hold\n")
    return marker


@contextmanager
def server(
    folder: Path, settings: str, *arguments: str
) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """`newsgraph serve` with the plugin on its path and a health port; the main port's and
    the health port's base URLs, once the health port says ready."""
    port, health = free_port(), free_port()
    config = folder / "newsgraph.yaml"
    config.write_text(
        f'sources: [{{type: yaml_folder, name: seeds, options: {{path: "{SEEDS}"}}}}]\n'
        f"server: {{health_port: {health}, {settings}}}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [*newsgraph_command(), "serve", "--config", str(config), "--port", str(port), *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(folder), "NEWSGRAPH_LOAD_PLUGINS": "hold"},
    )
    base, probe = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{health}"
    try:
        eventually(lambda: status(f"{probe}/readyz") == 200, "the health port never said ready")
        yield base, probe, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.TransportError:
        return None


@contextmanager
def holding(base: str, marker: Path) -> Iterator[Future[httpx.Response]]:
    """The hold query, sent from another thread; yields once its resolver has begun."""
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(httpx.post, f"{base}/graphql", json=HOLD, timeout=DEADLINE)
        eventually(lambda: marker.exists() or answer.done(), "the hold never began")
        assert not answer.done(), answer.result().text
        yield answer
        assert answer.result().json() == {"data": {"articles": {"edges": [{"node": {"hold": 1}}]}}}


def test_the_health_port_answers_while_a_query_holds_the_loop(tmp_path: Path) -> None:
    marker = install_plugin(tmp_path, seconds=3)
    with server(tmp_path, "health_stall_timeout: 30") as (base, probe, _):
        with holding(base, marker) as answer:
            live = httpx.get(f"{probe}/healthz", timeout=DEADLINE)
            ready = httpx.get(f"{probe}/readyz", timeout=DEADLINE)
            assert not answer.done()  # both answered while the loop was held
        assert (live.status_code, live.json()) == (200, {"status": "ok"})
        assert (ready.status_code, ready.json()) == (200, {"status": "ready", "reasons": []})


def stalled_while_held(base: str, probe: str, marker: Path) -> httpx.Response:
    """The first 503 from the health port while the hold query runs."""
    with holding(base, marker) as answer:
        while not answer.done():
            response = httpx.get(f"{probe}/healthz", timeout=DEADLINE)
            if response.status_code == 503:
                return response
            time.sleep(0.05)
    pytest.fail("the health port never saw the loop stalled")


def test_a_stalled_loop_fails_the_health_port_and_recovers(tmp_path: Path) -> None:
    marker = install_plugin(tmp_path, seconds=4)
    with server(tmp_path, "health_stall_timeout: 0.5") as (base, probe, _):
        stalled = stalled_while_held(base, probe, marker)
        assert stalled.json()["status"] == "stalled"
        assert "the event loop has not run for" in stalled.json()["reason"]
        eventually(lambda: status(f"{probe}/healthz") == 200, "the health port never recovered")


def test_with_workers_a_stalled_worker_fails_the_parents_health_port(tmp_path: Path) -> None:
    marker = install_plugin(tmp_path, seconds=4)
    settings = "health_stall_timeout: 0.5"
    with server(tmp_path, settings, "--workers", "2") as (base, probe, process):
        stalled = stalled_while_held(base, probe, marker)
        reason = stalled.json()["reason"]
        worker = int(reason.removeprefix("worker ").partition("'")[0])
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
        assert str(worker) in children.split()
        eventually(lambda: status(f"{probe}/healthz") == 200, "the health port never recovered")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_health_port_closes_on_sigterm(workers: str, tmp_path: Path) -> None:
    install_plugin(tmp_path, seconds=0)
    with server(tmp_path, "health_stall_timeout: 5", "--workers", workers) as (_, probe, process):
        process.terminate()
        # uvicorn stops gracefully, then re-raises the signal it caught (one process).
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    # The health process goes with the server (within a tenth of a second of it).
    eventually(lambda: status(f"{probe}/healthz") is None, "the health port stayed open")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_readiness_fails_as_soon_as_shutdown_begins(workers: str, tmp_path: Path) -> None:
    marker = install_plugin(tmp_path, seconds=0, source=WAITING_PLUGIN)
    with server(tmp_path, "shutdown_timeout: 60", "--workers", workers) as (base, probe, process):
        with holding(base, marker) as answer:
            process.terminate()
            eventually(lambda: status(f"{probe}/readyz") == 503, "/readyz stayed 200")
            assert not answer.done()  # refused while the request in flight still drains
            ready = httpx.get(f"{probe}/readyz", timeout=DEADLINE).json()
            assert ready == {"status": "not ready", "reasons": ["the server is shutting down"]}
            assert status(f"{probe}/healthz") == 200  # alive all the same
            (tmp_path / "release").touch()
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)


def running_children(pid: int) -> list[str]:
    """The child processes of `pid` that have not exited (an exited one may wait, a zombie,
    to be reaped)."""
    running = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with suppress(FileNotFoundError):  # reaped meanwhile
            state = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()[0]
            if state not in ("Z", "X"):
                running.append(child)
    return running


def test_a_worker_that_has_finished_draining_is_not_a_stalled_loop(tmp_path: Path) -> None:
    """SIGTERM with two workers, one of them still answering a request: the other one ends at
    once and beats no more, yet the server is alive while the first drains."""
    marker = install_plugin(tmp_path, seconds=0, source=WAITING_PLUGIN)
    settings = "shutdown_timeout: 60, health_stall_timeout: 0.5"
    with server(tmp_path, settings, "--workers", "2") as (base, probe, process):
        with holding(base, marker) as answer:
            serving = len(running_children(process.pid))  # the health process, two workers
            process.terminate()
            eventually(
                lambda: len(running_children(process.pid)) < serving, "no worker ever finished"
            )
            # Probed for four times the stall timeout after the idle worker has gone.
            probes = [status(f"{probe}/healthz") for _ in range(40) if not time.sleep(0.05)]
            assert not answer.done(), answer.result().text
            assert set(probes) == {200}
            (tmp_path / "release").touch()
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)


def refused(url: str) -> bool:
    try:
        httpx.get(url, timeout=5)
    except httpx.ConnectError:
        return True
    except httpx.TransportError:  # connected (the port still listened), then unanswered
        return False
    return False


@pytest.mark.parametrize("workers", ["1", "2"])
def test_new_connections_are_refused_while_requests_drain(workers: str, tmp_path: Path) -> None:
    """Once the server stops accepting, a new connection is refused (a proxy retries it on
    another instance at once) rather than left waiting in the port's queue."""
    marker = install_plugin(tmp_path, seconds=0, source=WAITING_PLUGIN)
    with server(tmp_path, "shutdown_timeout: 60", "--workers", workers) as (base, _, process):
        with holding(base, marker) as answer:
            process.terminate()
            eventually(lambda: refused(f"{base}/healthz"), "the main port still listened", 20)
            assert not answer.done()  # still draining
            (tmp_path / "release").touch()
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_health_port_in_use_is_a_clear_start_up_error(workers: str, tmp_path: Path) -> None:
    config = tmp_path / "newsgraph.yaml"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config.write_text(f"server: {{health_port: {port}}}\n", encoding="utf-8")
        command = [*newsgraph_command(), "serve", "--config", str(config), str(tmp_path)]
        done = subprocess.run(
            [*command, "--port", str(free_port()), "--workers", workers],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert f"start-up error: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_health_port_beside_an_admin_port(workers: str, tmp_path: Path) -> None:
    install_plugin(tmp_path, seconds=0)
    admin = free_port()
    settings = f"admin_port: {admin}"
    with server(tmp_path, settings, "--workers", workers) as (base, probe, _):
        assert status(f"{probe}/healthz") == 200
        assert status(f"http://127.0.0.1:{admin}/-/metrics") == 200
        assert status(f"{base}/-/metrics") == 404  # on the admin port only
