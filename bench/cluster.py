"""A loopback cluster: Debian's nginx, configured from deploy/nginx/, in front of newsgraph
replicas, with Debian's redis-server for the persisted queries they share.

Every process listens on its own free port of 127.0.0.1 and keeps its files (configuration,
cache, logs) in one folder the caller owns; nothing is left running when the block is left.
Used by the scale benchmark (`python -m bench.scale`) and the end-to-end smoke test.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import ROOT
from bench.loopback import free_port

TEMPLATE = ROOT / "deploy" / "nginx" / "newsgraph.conf.template"
STARTUP_SECONDS = 60.0
# Where Debian installs both servers; a login shell has these on PATH, a CI job may not.
SYSTEM_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"])


def program(name: str) -> str | None:
    return shutil.which(name, path=SYSTEM_PATH)


def missing() -> str | None:
    """Why the cluster cannot run here (nginx or redis-server not installed), or None."""
    absent = [name for name in ("nginx", "redis-server") if program(name) is None]
    if not absent:
        return None
    return (
        f"{' and '.join(absent)} not installed (Debian: apt-get install nginx-light redis-server)"
    )


def _process(command: Sequence[str], log: Path, env: Mapping[str, str] | None = None) -> Process:
    with log.open("ab") as output:
        return Process(
            subprocess.Popen(
                list(command),
                cwd=ROOT,
                env={**os.environ, **(env or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
            ),
            log,
        )


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    def failed(self) -> str | None:
        """What the process said, if it has exited."""
        if self.popen.poll() is None:
            return None
        tail = self.log.read_bytes()[-3000:].decode(errors="replace")
        return f"{self.popen.args!r} exited ({self.popen.returncode}):\n{tail}"

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def http_get(port: int, target: str, headers: Mapping[str, str] | None = None) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", target, headers=dict(headers or {}))
        answer = connection.getresponse()
        return Response(
            answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        )
    finally:
        connection.close()


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def _wait(process: Process, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready():
        failed = process.failed()
        if failed is not None:
            raise RuntimeError(failed)
        if time.monotonic() > deadline:
            raise RuntimeError(f"{process.popen.args!r} did not start in {STARTUP_SECONDS:g} s")
        time.sleep(0.05)


def _answers(port: int, target: str) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            return http_get(port, target).status == 200
        except OSError:
            return False

    return ready


def _redis_pings(port: int) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    return ready


@dataclass
class Redis:
    port: int
    process: Process

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextmanager
def redis_server(folder: Path) -> Iterator[Redis]:
    """redis-server on a free loopback port, as the deployment runs it: bounded, no disk."""
    binary = program("redis-server")
    if binary is None:
        raise RuntimeError(missing())
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)]
    command += ["--save", "", "--appendonly", "no"]
    command += ["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]
    process = _process(command, folder / "redis.log")
    try:
        _wait(process, _redis_pings(port))
        yield Redis(port, process)
    finally:
        process.stop()


@dataclass
class Replica:
    """One `newsgraph serve` on a fixed loopback port: it can be stopped and started again."""

    port: int
    arguments: Sequence[str]
    env: Mapping[str, str]
    log: Path
    process: Process | None = field(default=None)

    def start(self) -> None:
        command = [sys.executable, "-m", "newsgraph.server.cli", "serve", *self.arguments]
        command += ["--port", str(self.port), "--no-access-log"]
        self.process = _process(command, self.log, self.env)

    def wait_ready(self) -> None:
        assert self.process is not None
        _wait(self.process, _answers(self.port, "/readyz"))

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.process is not None:
            self.process.stop(sig)
            self.process = None


def _nginx_config(folder: Path, port: int, replicas: Sequence[Replica]) -> Path:
    """deploy/nginx's template rendered for loopback, inside a minimal nginx.conf."""
    servers = " ".join(f"server 127.0.0.1:{r.port} max_fails=1 fail_timeout=2s;" for r in replicas)
    values = {
        "NGINX_LISTEN": f"127.0.0.1:{port}",
        "NGINX_CACHE_DIR": str(folder / "cache"),
        "NGINX_UPSTREAM_SERVERS": servers,
    }
    rendered = TEMPLATE.read_text()
    for name, value in values.items():
        rendered = rendered.replace(f"${{{name}}}", value)
    (folder / "newsgraph.conf").write_text(rendered)
    temp = folder / "temp"
    temp.mkdir(exist_ok=True)
    temps = "\n".join(
        f"    {kind}_temp_path {temp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    # Run as root (CI), nginx's workers would be `nobody`, unable to enter the caller's
    # private temporary folder: they stay the caller.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        # A load generator's connections outlast nginx's default 1000 requests per connection.
        f"http {{\n    access_log off;\n    keepalive_requests 10000000;\n{temps}\n"
        f"    include {folder / 'newsgraph.conf'};\n}}\n"
    )
    return main


@contextmanager
def nginx(folder: Path, replicas: Sequence[Replica]) -> Iterator[int]:
    """nginx with deploy/nginx's configuration on a free loopback port, in front of the
    replicas; yields its port."""
    binary = program("nginx")
    if binary is None:
        raise RuntimeError(missing())
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = _nginx_config(folder, port, replicas)
    command = [binary, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx rejects its configuration:\n{checked.stderr}")
    process = _process(command, folder / "nginx.log")
    try:
        _wait(process, _answers(port, "/healthz"))
        yield port
    finally:
        process.stop(signal.SIGQUIT)  # graceful: lets answers in flight finish


@dataclass
class Cluster:
    proxy: int
    replicas: list[Replica]
    redis: Redis | None


@contextmanager
def cluster(
    folder: Path,
    arguments: Sequence[str],
    replicas: int,
    redis: bool = True,
    env: Mapping[str, str] | None = None,
) -> Iterator[Cluster]:
    """Redis (unless `redis` is false), `replicas` newsgraph processes started with
    `newsgraph serve ARGUMENTS` and `env` (plus the Redis URL), and nginx in front of them."""
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        shared = stack.enter_context(redis_server(folder / "redis")) if redis else None
        environment = {**(env or {}), "PYTHONUNBUFFERED": "1"}
        if shared is not None:
            environment["NEWSGRAPH_APQ_REDIS_URL"] = shared.url
        started = [
            Replica(free_port(), arguments, environment, folder / f"replica-{n}.log")
            for n in range(replicas)
        ]
        for replica in started:
            replica.start()
            stack.callback(replica.stop)
        for replica in started:
            replica.wait_ready()
        proxy = stack.enter_context(nginx(folder / "nginx", started))
        yield Cluster(proxy, started, shared)
