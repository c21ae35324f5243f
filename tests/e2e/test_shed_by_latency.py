"""Shedding by latency on a real uvicorn: while a resolver (the health port tests' `hold`,
`async`, so it runs on the loop) stalls the event loop, the GraphQL
requests for new work that arrive meanwhile are answered 503 `OVERLOADED` once it is free,
`/healthz` on the same port 200; then requests are served again. Assertions are about order, never speed."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from tests.e2e.test_health_port import (
    DEADLINE,
    HOLD,
    eventually,
    holding,
    install_plugin,
    server,
)

QUERY = b'{"query": "{ articles(first: 1) { totalCount } }"}'


def sent(base: str, request: bytes) -> socket.socket:
    """A connection on which `request` has been handed to the kernel (the stalled server has
    not read it yet)."""
    host, port = base.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=DEADLINE)
    connection.sendall(request)
    return connection


def answer(connection: socket.socket) -> tuple[int, bytes]:
    """The status and the rest of the response (the request asked to close)."""
    chunks = []
    with connection:
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    return int(response.split(b" ", 2)[1]), response


def graphql_request(body: bytes) -> bytes:
    head = (
        "POST /graphql HTTP/1.1\r\nHost: newsgraph\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def new_work(first: int) -> bytes:
    return b'{"query": "{ articles(first: %d) { totalCount } }"}' % first


HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: newsgraph\r\nConnection: close\r\n\r\n"


def served(base: str) -> bool:
    headers = {"content-type": "application/json"}
    return httpx.post(
        f"{base}/graphql", content=QUERY, headers=headers, timeout=DEADLINE
    ).is_success


def test_requests_that_arrive_while_the_loop_stalls_are_shed_and_healthz_is_not(
    tmp_path: Path,
) -> None:
    marker = install_plugin(tmp_path, seconds=2)
    with server(tmp_path, "health_stall_timeout: 30, shed_latency: 0.05") as (base, _, _):
        assert served(base)  # the loop runs on time: served
        with holding(base, marker) as held:
            # New work each (an answer the response cache has is served, late loop or not).
            waiting = [sent(base, graphql_request(new_work(n))) for n in range(2, 5)]
            health = sent(base, HEALTHZ)
            assert not held.done()  # all sent while the loop was stalled
        shed = [answer(connection) for connection in waiting]
        assert [status for status, _ in shed] == [503] * 3
        assert all(b'"code":"OVERLOADED"' in response for _, response in shed)
        assert all(b"retry-after: 1\r\n" in response.lower() for _, response in shed)
        status, body = answer(health)
        assert status == 200 and b'"status":"ok"' in body
        eventually(lambda: served(base), "requests were never served again after the stall")


def test_with_shedding_off_a_stall_only_delays_requests(tmp_path: Path) -> None:
    marker = install_plugin(tmp_path, seconds=1)
    with server(tmp_path, "health_stall_timeout: 30, shed_latency: 0") as (base, _, _):
        assert served(base)
        with holding(base, marker) as held:
            waiting = sent(base, graphql_request(QUERY))
            assert not held.done()
        assert answer(waiting)[0] == 200
        assert httpx.post(f"{base}/graphql", json=HOLD, timeout=DEADLINE).status_code == 200
