"""The health port's process against clients that send slowly or not at all."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx

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
