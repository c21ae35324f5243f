"""`newsgraph serve` on a port that is already taken: one clear start-up error and exit
status 2, in one process or with workers, never a traceback."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import newsgraph_command


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_a_clear_start_up_error(workers: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        command = [*newsgraph_command(), "serve", str(tmp_path), "--port", port]
        done = subprocess.run(
            [*command, "--workers", workers], capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2
    assert f"start-up error: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
