"""ETag, Cache-Control, conditional requests and compression of `/graphql` answers."""

from __future__ import annotations

import gzip
from typing import Any

import brotli
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from newsgraph.server.config import SourceConfig
from newsgraph.server.endpoint import GraphQLEndpoint
from newsgraph.server.http_params import request_key
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS

SEED_SOURCE = SourceConfig("yaml_folder", "seeds", {"path": str(SEEDS)})
BIG = {"query": "{ articles(first: 40) { edges { node { id title url webUrl } } } }"}
SMALL = {"query": "{ __typename }"}
TOKEN = "preview-token-0123456789"


def seeds_app(**server: Any) -> Starlette:
    return make_app(sources=[SEED_SOURCE], **server)


def endpoint_of(app: Starlette) -> GraphQLEndpoint:
    route = next(r for r in app.routes if isinstance(r, Route) and r.path == "/graphql")
    found = route.endpoint
    while not isinstance(found, GraphQLEndpoint):  # inside the body, admission and budget
        found = found.app
    return found


@pytest.mark.asyncio
async def test_a_get_answer_is_compressed_tagged_cacheable_and_revalidated_with_304() -> None:
    async with client(seeds_app()) as http:
        first = await http.get("/graphql", params=BIG, headers={"accept-encoding": "gzip"})
        again = await http.get(
            "/graphql",
            params=BIG,
            headers={"accept-encoding": "gzip", "if-none-match": first.headers["etag"]},
        )
        plain = await http.get("/graphql", params=BIG, headers={"accept-encoding": "identity"})
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=60"
    # CORS adds Origin: with `*`, only requests carrying an Origin get Allow-Origin.
    assert first.headers["vary"] == "Accept, Accept-Encoding, Origin"
    assert first.headers["etag"].startswith('W/"')
    assert int(first.headers["content-length"]) < len(plain.content) / 3
    assert first.json() == plain.json()  # httpx decodes the gzip body
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] == first.headers["etag"]


@pytest.mark.asyncio
async def test_brotli_is_preferred_and_each_coding_is_kept_with_the_cached_answer() -> None:
    app = seeds_app()
    async with client(app) as http:
        both = await http.get("/graphql", params=BIG, headers={"accept-encoding": "gzip, br"})
        gzipped = await http.get("/graphql", params=BIG, headers={"accept-encoding": "gzip"})
        catalog = app.state.runtime.catalog
        raw = both.request.url.query
    assert both.headers["content-encoding"] == "br"
    assert gzipped.headers["content-encoding"] == "gzip"
    answer = endpoint_of(app).cache.get(catalog, request_key("GET", raw))
    assert answer is not None
    assert set(answer.coded) == {"br", "gzip"}
    assert brotli.decompress(answer.coded["br"]) == answer.body
    assert gzip.decompress(answer.coded["gzip"]) == answer.body


@pytest.mark.asyncio
async def test_small_answers_and_a_switched_off_compression_are_sent_as_they_are() -> None:
    async with client(seeds_app()) as http:
        small = await http.get("/graphql", params=SMALL, headers={"accept-encoding": "gzip"})
    async with client(seeds_app(compression=False)) as http:
        big = await http.get("/graphql", params=BIG, headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers
    assert "content-encoding" not in big.headers
    assert small.headers["vary"] == big.headers["vary"] == "Accept, Accept-Encoding, Origin"


@pytest.mark.asyncio
async def test_post_answers_have_an_etag_but_no_cache_control_and_no_304() -> None:
    async with client(seeds_app()) as http:
        first = await http.post("/graphql", json=SMALL)
        again = await http.post(
            "/graphql", json=SMALL, headers={"if-none-match": first.headers["etag"]}
        )
    assert again.status_code == 200 and again.json() == first.json()
    assert "cache-control" not in first.headers
    assert first.headers["etag"] == again.headers["etag"]


@pytest.mark.asyncio
async def test_cache_control_follows_the_settings_and_errors_are_never_stored() -> None:
    async with client(seeds_app(cache_max_age=300, cache_stale_while_revalidate=30)) as http:
        ok = await http.get("/graphql", params=SMALL)
        bad = await http.get("/graphql", params={"query": "{ nope }"})
        partial = await http.get(
            "/graphql", params={"query": "{ articles(first: 500) { totalCount } }"}
        )
    assert ok.headers["cache-control"] == "public, max-age=300, stale-while-revalidate=30"
    for response in (bad, partial):
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers


@pytest.mark.asyncio
async def test_a_preview_answer_is_private_and_varies_on_the_preview_header() -> None:
    query = {"query": "{ articles { totalCount } }"}
    async with client(seeds_app(preview_token=TOKEN)) as http:
        public = await http.get("/graphql", params=query)
        preview = await http.get("/graphql", params=query, headers={"x-newsgraph-preview": TOKEN})
    assert public.json() == preview.json()  # drafts are hidden unless the filter asks for them
    assert preview.headers["cache-control"] == "private, no-store"
    assert public.headers["cache-control"].startswith("public, ")
    assert public.headers["vary"] == "Accept, Accept-Encoding, X-Newsgraph-Preview, Origin"


@pytest.mark.asyncio
async def test_an_etag_changes_with_the_answer_and_only_with_it() -> None:
    async with client(seeds_app()) as http:
        one = await http.get("/graphql", params={"query": "{ topics { id } }"})
        same = await http.post("/graphql", json={"query": "{ topics { id } }"})
        other = await http.get("/graphql", params={"query": "{ topics { name } }"})
        stale = await http.get(
            "/graphql",
            params={"query": "{ topics { name } }"},
            headers={"if-none-match": one.headers["etag"]},
        )
    assert one.headers["etag"] == same.headers["etag"]
    assert one.headers["etag"] != other.headers["etag"]
    assert stale.status_code == 200 and stale.json() == other.json()
