from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def eventually(condition: Callable[[], object], failure: str, within: float = 60.0) -> None:
    """Wait until `condition()` is true, failing the test with `failure` after `within` s."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(failure)
        time.sleep(0.05)


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; a failure shows everything it printed."""
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def newsgraph_command() -> list[str]:
    script = shutil.which("newsgraph", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "newsgraph.server.cli"]


@contextmanager
def serving(
    *arguments: str, command: Sequence[str] | None = None, cwd: Path = ROOT
) -> Iterator[tuple[str, list[str]]]:
    """Run `newsgraph serve ARGUMENTS` (with `command`, default this environment's
    `newsgraph`) in a real uvicorn on a free loopback port until healthy; yields the base URL
    and, once the server has stopped, its output lines."""
    port = free_port()
    process = subprocess.Popen(
        [*(command or newsgraph_command()), "serve", *arguments, "--port", str(port)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    output: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stdout.read() if process.stdout else ''}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("server did not become healthy in 30 s")
                time.sleep(0.1)
        yield base, output
    finally:
        process.terminate()
        text, _ = process.communicate(timeout=10)
        output.extend(text.splitlines())


NODE_CLIENTS = ROOT / "tests" / "e2e" / "node"


@pytest.fixture(scope="session")
def node_clients() -> Path:
    """The folder of the third-party JavaScript clients (tests/e2e/node), their packages
    installed from its lock file on first use; skips where node or npm is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run graphql-http's audit and Apollo Client")
    if not (NODE_CLIENTS / "node_modules" / ".package-lock.json").is_file():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=NODE_CLIENTS,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return NODE_CLIENTS


def run_node(folder: Path, script: str, *arguments: str) -> str:
    """Run one of the node scripts; its standard output."""
    done = subprocess.run(
        ["node", script, *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
