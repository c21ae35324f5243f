"""The listening sockets of `serve`, bound by newsgraph before uvicorn starts, so that a port
already in use (or an address not on this machine) is one clear start-up error in every mode
instead of uvicorn's exit from inside a task, or a bare OSError, with a traceback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


class CannotListen(Exception):
    """The address and port to serve on cannot be bound."""


@contextmanager
def listening(host: str, port: int) -> Iterator[socket.socket]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it. uvicorn writes an answer's head and body apart:
        # without it the body waits for the client's delayed ACK, 40 ms on Linux.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            listener.bind((host, port))
        except OSError as error:
            raise CannotListen(f"cannot listen on {host}:{port}: {error.strerror}") from None
        listener.listen(2048)
        listener.set_inheritable(True)
        yield listener
    finally:
        listener.close()
