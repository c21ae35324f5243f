"""Malformed and oversized requests to /graphql: each is a 4xx JSON GraphQL error with a code,
never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from newsgraph.testing import client as running
from tests.conftest import SEEDS

JSON = {"content-type": "application/json"}


def app(**server: Any) -> Any:
    return create_app(Config(sources=folder_sources([SEEDS]), **server))


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (b'"a string"', "must be a JSON object"),
        (b"42", "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b"[]", "batched requests are not supported"),
        (b'{"query": "{ articles { totalCount } }\xff"}', "not valid UTF-8"),
        (
            b'{"query": "{ articles { totalCount } }", "variables": ' + b"[" * 100_000,
            "not valid JSON",
        ),
        (
            b'{"query": "{ articles { totalCount } }", "variables": 3}',
            "`variables` must be an object",
        ),
        (b"{not json", "not valid JSON"),
    ],
)
async def test_a_malformed_body_is_a_400_graphql_error(body: bytes, phrase: str) -> None:
    async with running(app()) as client:
        response = await client.post("/graphql", content=body, headers=JSON)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert phrase in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.asyncio
async def test_deeply_nested_variables_in_a_get_are_a_400() -> None:
    params = {"query": "{ articles { totalCount } }", "variables": "[" * 3000}
    async with running(app()) as client:
        response = await client.get("/graphql", params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.asyncio
async def test_query_text_past_its_limit_is_a_413_naming_the_limit() -> None:
    query = "{ articles { totalCount } }" + " " * 2000
    async with running(app(max_query_bytes=1000)) as client:
        response = await client.post("/graphql", json={"query": query})
        fine = await client.post("/graphql", json={"query": query[:900]})
    assert response.status_code == 413
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "REQUEST_TOO_LARGE" and "1000" in error["message"]
    assert fine.json()["data"]["articles"]["totalCount"] > 0


@pytest.mark.asyncio
async def test_a_body_past_its_limit_is_a_413_before_it_is_parsed() -> None:
    padding = "x" * 5000
    async with running(app(max_body_bytes=4096)) as client:
        declared = await client.post("/graphql", json={"query": "{ __typename }", "pad": padding})

        async def chunks() -> Any:  # no Content-Length: the limit counts what arrives
            for _ in range(10):
                yield b" " * 1000

        streamed = await client.post("/graphql", content=chunks(), headers=JSON)
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


@pytest.mark.asyncio
async def test_headers_past_their_limit_are_a_431() -> None:
    async with running(app(max_header_bytes=2000)) as client:
        response = await client.get("/healthz", headers={"x-padding": "y" * 3000})
        fine = await client.get("/healthz")
    assert response.status_code == 431
    assert response.json()["errors"][0]["extensions"]["code"] == "HEADERS_TOO_LARGE"
    assert fine.status_code == 200


@pytest.mark.asyncio
async def test_an_undefined_fragment_is_a_graphql_error_not_a_crash() -> None:
    async with running(app()) as client:
        response = await client.post(
            "/graphql", json={"query": "{ articles { edges { node { ...Nope } } } }"}
        )
    assert response.status_code < 500
    assert "Unknown fragment 'Nope'" in response.json()["errors"][0]["message"]
