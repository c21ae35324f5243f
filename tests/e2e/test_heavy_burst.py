"""A burst of distinct heavy queries (each one the fast lane runs on the event loop) on a real
uvicorn, every request written before any answer is read. With the default settings some
are shed with 503 `OVERLOADED` and `Retry-After`, none is lost or a 500, a cheap GET sent
after them is answered with data, and once the burst is over heavy queries are served
again. Those whose clients have gone before their turn are not run. Assertions are about
outcomes, never speed."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx

from bench.burst import graphql_post
from tests.conftest import SEEDS
from tests.e2e.conftest import eventually, serving

BURST = 100
# An estimated 41,305 of the default budget of 50,000; distinct texts, so neither the
# response cache nor a plan made for another answers one.
HEAVY = (
    "query Heavy{n} {{ articles(first: 100) {{ edges {{ node {{ id title "
    "similar(first: 100) {{ score article {{ id title }} }} }} }} }} }}"
)
CHEAP = b"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: newsgraph\r\n\r\n"


def heavy_request(n: int) -> bytes:
    return graphql_post(HEAVY.format(n=n))


async def answer(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes], bytes]:
    """The status, the headers (lower-case names) and the body of one answer."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").strip().split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower().encode()] = value.strip().encode()
    body = await reader.readexactly(int(headers[b"content-length"]))
    return int(status_line.split()[1]), headers, body


async def burst(port: int) -> tuple[list[tuple[int, dict[bytes, bytes], bytes]], bytes]:
    """Every heavy request written, then the cheap one; the heavy answers and the cheap
    one's body."""
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(BURST + 1)]
    for n, (_, writer) in enumerate(connections[:BURST]):
        writer.write(heavy_request(n))
    connections[BURST][1].write(CHEAP)
    answers = await asyncio.gather(*(answer(reader) for reader, _ in connections))
    for _, writer in connections:
        writer.close()
    status, _, body = answers[BURST]
    assert status == 200, body
    return answers[:BURST], body


def test_a_burst_of_heavy_queries_is_shed_in_part_and_a_cheap_query_is_served() -> None:
    with serving() as (base, _):
        port = int(base.rsplit(":", 1)[1])
        heavy, cheap = asyncio.run(burst(port))
        assert json.loads(cheap) == {"data": {"__typename": "Query"}}
        shed = [(headers, body) for status, headers, body in heavy if status == 503]
        served = [body for status, _, body in heavy if status == 200]
        assert len(shed) + len(served) == BURST, [status for status, _, _ in heavy]
        assert shed, "no heavy query was shed"
        for headers, body in shed:
            assert headers[b"retry-after"] == b"1"
            assert json.loads(body)["errors"][0]["extensions"]["code"] == "OVERLOADED"
        for body in served:
            assert len(json.loads(body)["data"]["articles"]["edges"]) > 0

        def heavy_served() -> bool:
            query = {"query": HEAVY.format(n=BURST)}
            return httpx.post(f"{base}/graphql", json=query, timeout=60).status_code == 200

        eventually(heavy_served, "heavy queries were never served again after the burst")


def counted(base: str, pattern: str) -> int:
    """A count from the server's `/-/metrics` (0 before the first)."""
    metrics = httpx.get(f"{base}/-/metrics", timeout=60).text
    found = re.search(pattern + r" (\S+)", metrics)
    return int(float(found[1])) if found else 0


FAST_LANE = r'newsgraph_graphql_requests_total\{answered_by="direct"\}'
UNANSWERED = r'newsgraph_http_requests_total\{[^}]*status="499"[^}]*\}'


async def kept_and_gone(port: int, kept: int, gone: int) -> list[int]:
    """`kept` heavy requests, then `gone` more whose clients close their connections as soon
    as they are sent; the statuses of the kept ones."""
    waiting = [await asyncio.open_connection("127.0.0.1", port) for _ in range(kept)]
    for n, (_, writer) in enumerate(waiting):
        writer.write(heavy_request(n))
    for n in range(kept, kept + gone):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(heavy_request(n))
        await writer.drain()
        writer.close()
    answers = await asyncio.gather(*(answer(reader) for reader, _ in waiting))
    for _, writer in waiting:
        writer.close()
    return [status for status, _, _ in answers]


def test_heavy_queries_whose_clients_have_gone_are_not_run(tmp_path: Path) -> None:
    config = tmp_path / "newsgraph.yaml"
    config.write_text(  # shedding off: every heavy query whose client waits is run
        f'sources: [{{type: yaml_folder, name: seeds, options: {{path: "{SEEDS}"}}}}]\n'
        "server: {shed_busy_share: 0}\n",
        encoding="utf-8",
    )
    kept, gone = 10, 20
    with serving("--config", str(config)) as (base, output):
        before = counted(base, FAST_LANE)
        port = int(base.rsplit(":", 1)[1])
        assert asyncio.run(kept_and_gone(port, kept, gone)) == [200] * kept
        ran = counted(base, FAST_LANE) - before
        assert kept <= ran < kept + gone // 2, f"{ran} heavy queries ran"
        # Those not run are counted as left unanswered, not as errors.
        eventually(
            lambda: counted(base, UNANSWERED) == kept + gone - ran,
            "the requests not run were not counted with status 499",
        )
    # Nothing logged as an error (uvicorn's "returned without starting response", say).
    assert [line for line in output if line.startswith("ERROR")] == []
