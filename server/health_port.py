"""The health port (`server.health_port`): `/healthz` and `/readyz` answered by a small process
of its own, forked at start-up, so that a probe is answered at once however much GraphQL work
the server's event loop has been handed (docs/hardening.md#the-health-port). A thread of the
server would share its GIL, and wait for it behind the loop: 100 ms and more at the 99th
percentile under overload, against about 20 ms for a process of its own.

Liveness here means that every serving loop is running: it answers 503 when a loop's
heartbeat (`newsgraph.server.heartbeat`) is older than `server.health_stall_timeout`, so a
loop held by long work, or hung, fails its check. Readiness means what it means on the main
port (`newsgraph.server.readiness`, published on the heartbeat board by the process that
loads), and a stalled loop is one more reason.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NoReturn

from newsgraph.server.config import Config
from newsgraph.server.errors import BAD_REQUEST, METHOD_NOT_ALLOWED
from newsgraph.server.heartbeat import Heartbeats
from newsgraph.server.listening import listening
from newsgraph.server.refusals import HEADERS_TOO_LARGE, NOT_FOUND, refusal_body

# Probes answered at once; a connection beyond them is closed unanswered, so a flood of
# connections to this port cannot start threads without end.
MAX_PROBES = 32
# Seconds a probe may take to send its request, in all: one that sends a byte now and then is
# cut off then, or a few such clients would hold every place and the port would answer nobody.
PROBE_TIMEOUT = 2.0
# Seconds between the health process's looks for its server, which may end without stopping
# it: uvicorn ends its process by re-raising the SIGTERM it caught, once it has shut down.
ORPHAN_CHECK = 0.1
ALLOWED = "GET, HEAD"
# The code of each refusal the standard handler makes itself (any other is a BAD_REQUEST).
_PROBLEMS: dict[int, str] = {
    HTTPStatus.METHOD_NOT_ALLOWED: METHOD_NOT_ALLOWED,
    HTTPStatus.REQUEST_URI_TOO_LONG: HEADERS_TOO_LARGE,
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: HEADERS_TOO_LARGE,
}


@dataclass(frozen=True, slots=True)
class Health:
    """What the health port answers, from the heartbeats and their board."""

    heartbeats: Heartbeats
    stall_timeout: float

    def stalled(self, loops: Mapping[str, int]) -> str | None:
        stalest = self.heartbeats.stalest(loops)
        if stalest is None or stalest[1] <= self.stall_timeout:
            return None
        name, age = stalest
        return f"{name} has not run for {age:.1f} s (limit {self.stall_timeout:g} s)"

    def liveness(self) -> tuple[int, dict[str, Any]]:
        loops, _ = self.heartbeats.read()
        reason = self.stalled(loops)
        if reason is not None:
            return 503, {"status": "stalled", "reason": reason}
        return 200, {"status": "ok"}

    def readiness(self) -> tuple[int, dict[str, Any]]:
        loops, not_ready = self.heartbeats.read()
        stalled = self.stalled(loops)
        reasons = ([stalled] if stalled else []) + not_ready
        status = "not ready" if reasons else "ready"
        return (503 if reasons else 200), {"status": status, "reasons": reasons}


class _Probe(BaseHTTPRequestHandler):
    server: _HealthServer
    timeout = PROBE_TIMEOUT

    def do_GET(self) -> None:
        path = self.path.partition("?")[0]
        if path == "/healthz":
            status, body = self.server.health.liveness()
        elif path == "/readyz":
            status, body = self.server.health.readiness()
        else:
            message = f"{path} is not here: this port answers /healthz and /readyz"
            self._send(404, refusal_body(NOT_FOUND, message))
            return
        self._send(status, json.dumps(body).encode())

    do_HEAD = do_GET  # `_send` leaves the body out

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard handler's own refusals (a broken request line, headers too long, a
        method with no `do_` handler, which it calls 501) as the main port's JSON errors."""
        headers: dict[str, str] = {}
        if code == HTTPStatus.NOT_IMPLEMENTED:
            code, headers["Allow"] = HTTPStatus.METHOD_NOT_ALLOWED, ALLOWED
            message = f"{self.command} is not allowed here: use {ALLOWED}"
        self.close_connection = True
        problem = _PROBLEMS.get(code, BAD_REQUEST)
        self._send(code, refusal_body(problem, message or HTTPStatus(code).phrase), headers)

    def _send(self, status: int, data: bytes, headers: Mapping[str, str] | None = None) -> None:
        """Answer with JSON; to HEAD, with the headers of the GET and no body."""
        self.send_response(status)
        for name, value in {**(headers or {}), "Content-Type": "application/json"}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a probe every few seconds would fill the log with nothing to act on."""


class _HealthServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, listener: socket.socket, health: Health) -> None:
        super().__init__(listener.getsockname()[:2], _Probe, bind_and_activate=False)
        self.socket.close()
        self.socket = listener  # bound by `listening`, which makes a taken port a clear error
        self.health = health
        self._probes = threading.BoundedSemaphore(MAX_PROBES)
        self._started: dict[socket.socket, float] = {}  # each open probe's start, monotonic

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._probes.acquire(blocking=False):
            self.shutdown_request(request)
            return
        self._started[request] = time.monotonic()
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            del self._started[request]
            self._probes.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silent for a client that went away or was cut off: nothing in the server to fix."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def service_actions(self) -> None:
        """Cut off every probe open longer than `PROBE_TIMEOUT` (run at each turn of
        `serve_forever`, twice a second): the handler's socket timeout bounds one read only."""
        cutoff = time.monotonic() - PROBE_TIMEOUT
        for request, started in list(self._started.items()):
            if started < cutoff:
                # A socket its thread has closed meanwhile refuses this: nothing to cut off.
                with suppress(OSError):
                    request.shutdown(socket.SHUT_RDWR)


@contextmanager
def health_port(config: Config, heartbeats: Heartbeats) -> Iterator[None]:
    """Answer probes on `server.health_port` (if set) from a process of its own while the
    block runs; a port that cannot be bound raises `CannotListen` before anything starts.
    Call it before the server starts threads or loops: it forks."""
    if config.health_port is None:
        yield
        return
    health = Health(heartbeats, config.health_stall_timeout)
    with listening(config.host, config.health_port) as listener:
        pid = os.fork()
        if pid == 0:
            _answer(listener, health)
        listener.close()  # the health process's now: workers forked later do not hold it
        try:
            yield
        finally:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)


def _answer(listener: socket.socket, health: Health) -> NoReturn:
    """The health process: answer probes until the server stops it, or is gone."""
    code = 1
    try:
        # Ctrl-C reaches the whole process group: the server stops this process itself.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        server = os.getppid()
        threading.Thread(target=_exit_when_orphaned, args=(server,), daemon=True).start()
        _HealthServer(listener, health).serve_forever()
        code = 0
    finally:
        os._exit(code)


def _exit_when_orphaned(server: int) -> None:
    """A server that has ended without stopping this process: it stops when it sees that."""
    while os.getppid() == server:
        time.sleep(ORPHAN_CHECK)
    os._exit(0)
