"""The health port's process against clients that send slowly or not at all."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import orjson

from newsgraph.server.config import Config
from newsgraph.server.health_port import MAX_PROBES, health_port
from newsgraph.server.heartbeat import Heartbeats
from tests.e2e.conftest import eventually, free_port


@contextmanager
def dripping(port: int, stop: threading.Event) -> Iterator[None]:
    """`MAX_PROBES` connections that each send a byte of one endless header line every half
    second, for as long as the block runs."""
    with ExitStack() as opened:
        clients = [
            opened.enter_context(socket.create_connection(("127.0.0.1", port)))
            for _ in range(MAX_PROBES)
        ]
        for client in clients:
            client.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: ")

        def drip() -> None:
            while not stop.wait(0.5):
                for client in clients:
                    try:
                        client.sendall(b"1")
                    except OSError:  # cut off by the health port, as it should be
                        pass

        dripper = threading.Thread(target=drip)
        dripper.start()
        try:
            yield
        finally:
            stop.set()
            dripper.join()


def answered(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def test_clients_that_never_finish_their_request_do_not_keep_probes_out() -> None:
    port = free_port()
    heartbeats = Heartbeats()
    heartbeats.publish({"the event loop": heartbeats.slot()}, [])
    config = Config(sources=(), health_port=port, health_stall_timeout=3600)
    stop = threading.Event()
    with health_port(config, heartbeats), dripping(port, stop):
        # Every place is taken by a client that sends a line now and then; each is cut off
        # once it has had its time, and a probe gets in while the drip goes on.
        eventually(lambda: answered(f"http://127.0.0.1:{port}/healthz"), "no probe got in")
        assert not stop.is_set()


@contextmanager
def probed() -> Iterator[str]:
    """A health port over a heartbeat board that says ready; its base URL."""
    port = free_port()
    heartbeats = Heartbeats()
    heartbeats.publish({"the event loop": heartbeats.slot()}, [])
    config = Config(sources=(), health_port=port, health_stall_timeout=3600)
    with health_port(config, heartbeats):
        base = f"http://127.0.0.1:{port}"
        eventually(lambda: answered(f"{base}/healthz"), "the health port never answered")
        yield base


def refused(response: httpx.Response) -> str:
    """The code of a JSON refusal shaped as the main port's."""
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["message"]
    code: str = error["extensions"]["code"]
    return code


def test_head_answers_as_get_without_a_body() -> None:
    with probed() as base:
        for path in ("/healthz", "/readyz"):
            got = httpx.get(f"{base}{path}", timeout=5)
            head = httpx.head(f"{base}{path}", timeout=5)
            assert (head.status_code, head.content) == (200, b"")
            assert head.headers["content-length"] == got.headers["content-length"] != "0"


def test_other_methods_are_405_with_allow() -> None:
    with probed() as base:
        for method in ("OPTIONS", "POST", "DELETE", "BREW"):
            response = httpx.request(method, f"{base}/healthz", timeout=5)
            assert response.status_code == 405, method
            assert response.headers["allow"] == "GET, HEAD"
            assert refused(response) == "METHOD_NOT_ALLOWED"


def raw_reply(base: str, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", int(base.rpartition(":")[2]))) as raw:
        raw.sendall(request)
        return raw.makefile("rb").read()


def test_unknown_paths_and_broken_requests_get_json_errors() -> None:
    with probed() as base:
        missing = httpx.get(f"{base}/metrics", timeout=5)
        assert (missing.status_code, refused(missing)) == (404, "NOT_FOUND")
        long_header = raw_reply(base, b"GET /healthz HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n")
        # A version it cannot read is answered as HTTP/0.9 is: the body alone.
        bad_version = raw_reply(base, b"GET /healthz HTTP/9\r\n\r\n")
    head, _, body = long_header.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 431 "), head
    assert b"content-type: application/json" in head.lower()
    assert orjson.loads(body)["errors"][0]["extensions"]["code"] == "HEADERS_TOO_LARGE"
    assert orjson.loads(bad_version)["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
