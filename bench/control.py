"""The hostile benchmark's control: a standard-library HTTP server in a process of its own
that answers every GET with an empty 200. Probed beside newsgraph's health port during the
overload, it shows what a probe costs on the machine at that moment, whatever newsgraph does:
on two cores shared with the load generator, a process that is ready to run may wait tens of
milliseconds for a core.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Empty(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""


def _serve(port: int) -> None:
    ThreadingHTTPServer(("127.0.0.1", port), _Empty).serve_forever()


@contextmanager
def control_server(port: int) -> Iterator[None]:
    """The control server on `port` while the block runs."""
    process = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    process.start()
    try:
        yield
    finally:
        process.terminate()
        process.join()
