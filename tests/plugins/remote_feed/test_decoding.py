"""Bounded decoding of feed bodies: a gzip bomb stops at max_bytes of decoded data."""

from __future__ import annotations

import contextlib
import gzip
import tracemalloc
import zlib

import pytest

from newsgraph.plugins.remote_feed.decoding import BoundedDecoder, LimitExceeded
from newsgraph.plugins.remote_feed.fetch import FetchError
from tests.plugins.remote_feed.conftest import FeedServer, Handler, source

DECODED = 256 * 1024 * 1024


def gzip_bomb() -> bytes:
    """256 MiB of spaces as about 250 KB of gzip."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(DECODED // len(block))]
    return b"".join([*parts, compressor.flush()])


@pytest.mark.asyncio
async def test_a_gzip_bomb_stops_at_max_bytes_of_decoded_data(feed_server: FeedServer) -> None:
    bomb = gzip_bomb()

    def respond(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(bomb)))
        handler.end_headers()
        handler.close_connection = True  # the client stops reading and resets the connection
        with contextlib.suppress(OSError):
            handler.wfile.write(bomb)

    url = feed_server.route("/bomb.json", respond)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="max_bytes limit of 1,048,576 bytes"):
            await source(url, max_bytes=1024 * 1024).load()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024  # far below the 256 MiB the bomb expands to


@pytest.mark.parametrize(
    "encoded",
    [
        zlib.compress(b'{"items": []}'),
        zlib.compress(b'{"items": []}')[2:-4],  # deflate without its zlib wrapper
    ],
)
def test_deflate_with_and_without_its_wrapper(encoded: bytes) -> None:
    decoder = BoundedDecoder("deflate", 100)
    assert b"".join(decoder.feed(encoded[i : i + 3]) for i in range(0, len(encoded), 3)) == (
        b'{"items": []}'
    )


def test_gzip_members_are_decoded_one_after_another_within_the_limit() -> None:
    encoded = gzip.compress(b"a" * 60) + gzip.compress(b"b" * 60)
    with pytest.raises(LimitExceeded):
        BoundedDecoder("gzip", 100).feed(encoded)
    assert BoundedDecoder("gzip", 120).feed(encoded) == b"a" * 60 + b"b" * 60
