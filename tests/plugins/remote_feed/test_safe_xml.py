"""Entity expansion and external entities are refused before any parser expands or opens
anything; a DTD that is merely named is never fetched."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import pytest

from newsgraph.plugins.remote_feed.page import DocumentError
from tests.plugins.remote_feed.conftest import FeedServer, body, fixture, source

RSS_BODY = (
    b'<rss version="2.0"><channel><title>t</title><item><title>&x;</title></item></channel></rss>'
)
MEMORY_BOUND = 16 * 1024 * 1024  # expanded, the bombs below would need gigabytes


def billion_laughs() -> bytes:
    levels = ['<!ENTITY x0 "lol">'] + [
        f'<!ENTITY x{n} "{f"&x{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{chr(10).join(levels)}\n<!ENTITY x "&x9;">\n]>\n'
    ).encode() + RSS_BODY


def quadratic_blowup() -> bytes:
    entity = "A" * 100_000
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY y "{entity}">]>\n'
        f'<rss version="2.0"><channel><title>{"&y;" * 20_000}</title></channel></rss>'
    ).encode()


def external(system_id: str, parameter: bool = False) -> bytes:
    if parameter:
        declaration = f'<!ENTITY % p SYSTEM "{system_id}"> %p;'
    else:
        declaration = f'<!ENTITY x SYSTEM "{system_id}">'
    return f'<?xml version="1.0"?>\n<!DOCTYPE rss [{declaration}]>\n'.encode() + RSS_BODY


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("make", "entity"),
    [(billion_laughs, "'x0'"), (quadratic_blowup, "'y'")],
    ids=["billion laughs", "quadratic blow-up"],
)
async def test_entity_expansion_is_refused_without_expanding(
    feed_server: FeedServer, make: Callable[[], bytes], entity: str
) -> None:
    url = feed_server.route("/bomb.xml", body(make(), "application/rss+xml"))
    feed = source(url)
    tracemalloc.start()
    try:
        with pytest.raises(DocumentError) as refused:
            await feed.load()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(refused.value).startswith(
        f"{url}: refused: the XML declares the entity {entity}; entity declarations are refused"
    )
    assert peak < MEMORY_BOUND, f"{peak:,} bytes at peak"


@pytest.mark.asyncio
@pytest.mark.parametrize("parameter", [False, True], ids=["general entity", "parameter entity"])
async def test_external_entities_are_never_opened(feed_server: FeedServer, parameter: bool) -> None:
    secret = feed_server.route("/secret.txt", body(b"classified", "text/plain"))
    for target in ("file:///etc/hostname", secret):
        url = feed_server.route("/xxe.xml", body(external(target, parameter), "application/xml"))
        with pytest.raises(DocumentError) as refused:
            await source(url).load()
        assert f"declares the entity {'p' if parameter else 'x'!r} pointing at {target}" in str(
            refused.value
        )
    assert feed_server.seen("/secret.txt") == []


@pytest.mark.asyncio
async def test_a_named_dtd_is_not_fetched(feed_server: FeedServer) -> None:
    dtd = feed_server.route("/rss-0.91.dtd", body(b"<!ENTITY x 'boom'>", "application/xml-dtd"))
    document = fixture("rss.xml").replace(
        b"<rss ",
        f'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "{dtd}">\n<rss '.encode(),
        1,
    )
    url = feed_server.route("/rss.xml", body(document, "application/rss+xml"))
    batch = await source(url).load()
    assert len(batch.articles) == 4
    assert feed_server.seen("/rss-0.91.dtd") == []
