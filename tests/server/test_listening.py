"""The listening socket `serve` binds before uvicorn starts."""

from __future__ import annotations

import socket

import pytest

from newsgraph.server.listening import CannotListen, listening


def test_accepted_connections_send_small_writes_at_once() -> None:
    # Without TCP_NODELAY an answer's body, written after its head, waits for the client's
    # delayed ACK (40 ms on Linux) on every keep-alive request.
    with listening("127.0.0.1", 0) as listener:
        with socket.create_connection(listener.getsockname()[:2]) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            assert client.recv(1) == b""  # closed by the server's side


def test_a_taken_port_is_cannot_listen() -> None:
    with listening("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(CannotListen, match=f"cannot listen on 127.0.0.1:{port}"):
            with listening("127.0.0.1", port):
                pass
