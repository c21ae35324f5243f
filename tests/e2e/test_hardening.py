"""The HTTP layer against hostile clients, in a real uvicorn on loopback: slow and endless
headers, slow bodies, and a shutdown that a stalled client cannot hold up. Time bounds are
generous; they prove "not stalled", not speed."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEEDS
from tests.e2e.conftest import eventually, free_port, newsgraph_command, serving

SETTINGS = f"""
sources: [{{type: yaml_folder, name: seeds, options: {{path: "{SEEDS}"}}}}]
server: {{header_timeout: 1, body_timeout: 1, shutdown_timeout: 2, max_header_bytes: 8192}}
"""


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hardening") / "newsgraph.yaml"
    path.write_text(SETTINGS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(config_file: Path) -> Iterator[str]:
    with serving("--config", str(config_file)) as (base, _):
        yield base


def raw(base: str, data: bytes) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=15)
    connection.sendall(data)
    return connection


def answer(connection: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def test_headers_that_never_end_are_cut_off_with_a_408(server: str) -> None:
    with raw(server, b"GET /healthz HTTP/1.1\r\nHost: newsgraph\r\nX-Slow: ") as slow:
        assert httpx.get(f"{server}/healthz", timeout=5).status_code == 200  # others served
        reply = answer(slow)  # the server closes it after the header timeout
    assert reply.startswith(b"HTTP/1.1 408") and b"REQUEST_TIMEOUT" in reply


def test_endless_headers_are_refused_without_being_buffered(server: str) -> None:
    with raw(server, b"GET /healthz HTTP/1.1\r\nHost: newsgraph\r\n") as connection:
        try:
            for _ in range(200):  # up to 12.8 MB, far past the limit
                connection.sendall(b"X-Pad: " + b"a" * 64_000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = answer(connection)
    assert reply == b"" or reply.startswith(b"HTTP/1.1 431")
    assert httpx.get(f"{server}/healthz", timeout=5).status_code == 200


def test_large_headers_get_a_json_431(server: str) -> None:
    response = httpx.get(f"{server}/healthz", headers={"x-pad": "a" * 10_000}, timeout=5)
    assert response.status_code == 431
    assert response.json()["errors"][0]["extensions"]["code"] == "HEADERS_TOO_LARGE"


def test_a_body_shorter_than_its_length_gets_a_408(server: str) -> None:
    head = b"POST /graphql HTTP/1.1\r\nHost: newsgraph\r\nContent-Type: application/json\r\n"
    with raw(server, head + b"Content-Length: 100\r\n\r\n" + b'{"query": ') as slow:
        reply = answer(slow)
    assert b" 408 " in reply.split(b"\r\n")[0] and b"REQUEST_TIMEOUT" in reply


def test_bytes_that_are_not_http_get_a_json_400(server: str) -> None:
    with raw(
        server, b"GET /healthz HTTP/1.1\r\nHost: newsgraph\r\nno colon here\r\n\r\n"
    ) as broken:
        reply = answer(broken)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n"), head
    assert b"content-type: application/json" in head
    assert b'"code":"BAD_REQUEST"' in body and b"not valid HTTP/1.1" in body


def test_an_unknown_path_gets_a_json_404(server: str) -> None:
    missing = httpx.get(f"{server}/no/such/page", timeout=5)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_shutdown_finishes_within_its_deadline_despite_a_stalled_client(
    config_file: Path,
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [*newsgraph_command(), "serve", "--config", str(config_file), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        head = b"POST /graphql HTTP/1.1\r\nHost: n\r\nContent-Length: 1000\r\n\r\n{"
        with raw(base, head):
            time.sleep(0.2)
            process.terminate()
            assert process.wait(timeout=20) is not None  # a 2 s deadline, generously
    finally:
        process.kill()
        process.wait()


def read_answer(connection: socket.socket) -> bytes:
    """One HTTP answer read off a keep-alive connection: its head, then its Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head


def test_past_max_connections_a_new_connection_gets_a_json_503_until_one_closes(
    tmp_path: Path,
) -> None:
    config = tmp_path / "newsgraph.yaml"
    config.write_text(
        f"""
sources: [{{type: yaml_folder, name: seeds, options: {{path: "{SEEDS}"}}}}]
server: {{max_connections: 3, keep_alive_timeout: 60}}
""",
        encoding="utf-8",
    )
    probe = b"GET /healthz HTTP/1.1\r\nHost: newsgraph\r\n\r\n"
    with serving("--config", str(config)) as (base, _), ExitStack() as held:
        # Three keep-alive connections, each answered once and left open.
        connections = [held.enter_context(raw(base, probe)) for _ in range(3)]
        for connection in connections:
            assert read_answer(connection).startswith(b"HTTP/1.1 200")
        with raw(base, probe) as refused:
            reply = answer(refused)
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503") and b"retry-after: 1" in head
        assert json.loads(body)["errors"][0]["extensions"]["code"] == "OVERLOADED"
        # The ones already open are still served on their connections.
        connections[0].sendall(probe)
        assert read_answer(connections[0]).startswith(b"HTTP/1.1 200")
        connections[2].close()

        def served_again() -> bool:
            with raw(base, probe) as fresh:
                return read_answer(fresh).startswith(b"HTTP/1.1 200")

        eventually(served_again, "a closed connection did not free its place")
