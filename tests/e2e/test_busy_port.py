"""`newsgraph serve` on a port that is already taken: one clear start-up error and exit
status 2, in one process or with workers, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import newsgraph_command


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("which", ["main", "admin"])
def test_a_port_in_use_is_a_clear_start_up_error(workers: str, which: str, tmp_path: Path) -> None:
    with socket.socket() as taken, socket.socket() as free:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        free.bind(("127.0.0.1", 0))  # a port nothing listens on, released just before use
        port = str(taken.getsockname()[1])
        other = str(free.getsockname()[1])
        main, admin = (port, other) if which == "main" else (other, port)
        free.close()
        command = [*newsgraph_command(), "serve", str(tmp_path), "--port", main]
        done = subprocess.run(
            [*command, "--workers", workers],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "NEWSGRAPH_ADMIN_PORT": admin},
        )
    assert done.returncode == 2
    assert f"start-up error: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
