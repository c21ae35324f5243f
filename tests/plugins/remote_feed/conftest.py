"""A real HTTP server on loopback for the remote-feed tests, and helpers to route faults to it.

Each test routes paths to responders: functions that write one response with the standard
library's request handler. The server records every request (path and headers), so tests can
assert what newsgraph sent and that it never asked for something.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsgraph.plugins.remote_feed.source import RemoteFeedSource
from newsgraph.server.config import Config, SourceConfig
from newsgraph.server.plugin_manager import load_plugins
from newsgraph.server.runtime import Runtime

FIXTURES = Path(__file__).parent / "fixtures"
# Small limits so that every fault is found quickly; a test that needs retries asks for them.
FAST: dict[str, object] = {
    "retries": 0,
    "backoff": 0.01,
    "max_retry_wait": 2,
    "timeout": {"connect": 2, "read": 0.5, "total": 5},
}

Responder = Callable[["Handler"], None]


@dataclass(frozen=True, slots=True)
class Seen:
    path: str
    headers: Mapping[str, str]  # lower-case names


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle keep-alive connection ends its thread
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: FeedHTTPServer

    def do_GET(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.feed.requests.append(Seen(self.path, headers))
        responder = self.server.feed.responder(self.path.split("?", 1)[0])
        try:
            responder(self)
        except OSError:  # the client gave up (a timeout under test): nothing to answer
            self.close_connection = True

    def header(self, name: str) -> str:
        return self.headers.get(name) or ""

    def log_message(self, format: str, *args: object) -> None:
        pass


class FeedHTTPServer(ThreadingHTTPServer):
    feed: FeedServer


class FeedServer:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.release = threading.Event()  # set at teardown: held responses finish
        self._routes: dict[str, list[Responder]] = {}
        self._mounts: dict[str, Path] = {}
        self._http = FeedHTTPServer(("127.0.0.1", 0), Handler)
        self._http.feed = self
        # A short poll interval: shutting the server down waits for one.
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.02,))

    @property
    def base(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *responders: Responder) -> str:
        """Answer `path` with each responder in turn, the last one from then on; returns the URL."""
        self._routes[path] = list(responders)
        return self.url(path)

    def mount(self, prefix: str, folder: Path) -> None:
        """Serve the files under `folder` at `prefix`, with ETags."""
        self._mounts[prefix] = folder

    def responder(self, path: str) -> Responder:
        queue = self._routes.get(path)
        if queue:
            return queue.pop(0) if len(queue) > 1 else queue[0]
        for prefix, folder in self._mounts.items():
            file = folder / path.removeprefix(prefix)
            if path.startswith(prefix) and file.is_file():
                content = file.read_bytes()
                return body(content, etag=f'"{hashlib.sha256(content).hexdigest()[:16]}"')
        return status(404)

    def seen(self, path: str) -> list[Mapping[str, str]]:
        return [r.headers for r in self.requests if r.path == path]

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def source(url: str, **options: object) -> RemoteFeedSource:
    return RemoteFeedSource("feed", {"url": url, **FAST, **options})


def runtime(url: str, **options: object) -> Runtime:
    entry = SourceConfig("remote_feed", "feed", {"url": url, **FAST, **options})
    return Runtime(Config(sources=(entry,)), load_plugins(frozenset()))


# Responders ---------------------------------------------------------------------------------


def body(
    content: bytes,
    content_type: str = "application/json",
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    compress: bool = False,
) -> Responder:
    """200 with `content`; 304 when the request's validators match; gzip when asked and allowed."""

    def respond(handler: Handler) -> None:
        if (etag and handler.header("If-None-Match") == etag) or (
            last_modified and handler.header("If-Modified-Since") == last_modified
        ):
            handler.send_response(304)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        payload = content
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        if compress and "gzip" in handler.header("Accept-Encoding"):
            payload = gzip.compress(content)
            handler.send_header("Content-Encoding", "gzip")
        if etag:
            handler.send_header("ETag", etag)
        if last_modified:
            handler.send_header("Last-Modified", last_modified)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    return respond


def status(code: int, headers: Mapping[str, str] | None = None) -> Responder:
    def respond(handler: Handler) -> None:
        handler.send_response(code)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


def truncated(content: bytes, declared: int) -> Responder:
    """Promise `declared` bytes, send `content`, and hang up."""

    def respond(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(declared))
        handler.end_headers()
        handler.wfile.write(content)
        handler.close_connection = True

    return respond


def stalled(content: bytes) -> Responder:
    """Send the headers and half the body, then nothing until the test ends."""

    def respond(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content[: len(content) // 2])
        handler.wfile.flush()
        handler.server.feed.release.wait()
        handler.close_connection = True

    return respond


def dripping(pause: float) -> Responder:
    """A body that never ends, one byte at a time: each read is quick, the whole is endless."""

    def respond(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.wfile.write(b"1\r\n[\r\n")
        while not handler.server.feed.release.wait(pause):
            handler.wfile.write(b"1\r\n \r\n")
            handler.wfile.flush()
        handler.close_connection = True

    return respond


def streamed(chunk: bytes, count: int) -> Responder:
    """`count` chunks of `chunk` with chunked transfer encoding: no Content-Length."""

    def respond(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for _ in range(count):
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        handler.wfile.write(b"0\r\n\r\n")

    return respond


def redirect(location: str, code: int = 302) -> Responder:
    return status(code, {"Location": location})
