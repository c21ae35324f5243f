"""`newsgraph serve` under a low limit on open files: it raises its soft limit to fit
`max_connections` where the hard limit allows, and says so where it does not (a server out of
descriptors cannot accept, and new clients wait unanswered instead of getting the 503)."""

from __future__ import annotations

import resource
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.conftest import SEEDS
from tests.e2e.conftest import eventually, free_port, newsgraph_command
from tests.server.test_health_port import answered

MAX_CONNECTIONS = 1000  # the default


def limited_to(soft: int, hard: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return limit


def serve_limited(soft: int, hard: int) -> tuple[int, str]:
    """Start `newsgraph serve` under the limits; the soft limit it runs with, and its log."""
    port = free_port()
    process = subprocess.Popen(
        [*newsgraph_command(), "serve", str(SEEDS), "--port", str(port), "--no-access-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=limited_to(soft, hard),
    )
    try:
        eventually(lambda: answered(f"http://127.0.0.1:{port}/healthz"), "never healthy")
        limits = Path(f"/proc/{process.pid}/limits").read_text().splitlines()
        (line,) = [line for line in limits if line.startswith("Max open files")]
        running = int(line.split()[3])
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    return running, output


def test_the_soft_limit_is_raised_to_fit_the_connections() -> None:
    running, output = serve_limited(256, 4096)
    assert running > MAX_CONNECTIONS
    assert "max_connections" not in output


def test_a_hard_limit_too_low_is_a_warning_and_the_server_still_serves() -> None:
    running, output = serve_limited(256, 512)
    assert running == 512
    assert "server.max_connections is 1000, but this process may open only 512 files" in output
    assert "Traceback" not in output
