"""Fuzzing /graphql through the real app: generated queries (hypothesis-graphql) and malformed
requests never get a 5xx, and nothing they do writes a traceback to the log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries
from starlette.applications import Starlette

from newsgraph.schema.build import sdl
from newsgraph.server.app import create_app
from newsgraph.server.config import Config, folder_sources
from tests.conftest import SEEDS

# Bounded runtime: a few hundred requests in process, no shrinking database on disk.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SCALARS = {"DateTime": st.datetimes().map(lambda moment: nodes.String(moment.isoformat()))}
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


class Running:
    """The app, started once, with a client on its own event loop."""

    def __init__(self, app: Starlette) -> None:
        self.loop = asyncio.new_event_loop()
        self._lifespan = app.router.lifespan_context(app)
        self.loop.run_until_complete(self._lifespan.__aenter__())
        transport = httpx.ASGITransport(app=app)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://newsgraph")

    def post(self, **request: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.post("/graphql", **request))

    def get(self, params: dict[str, str]) -> httpx.Response:
        return self.loop.run_until_complete(self.client.get("/graphql", params=params))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self.loop.close()


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    started = Running(create_app(Config(sources=folder_sources([SEEDS]))))
    yield started
    started.close()


def assert_sound(response: httpx.Response, caplog: pytest.LogCaptureFixture) -> None:
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "errors" in response.json() or "data" in response.json()
    for record in caplog.records:
        assert record.exc_info is None, (record.name, record.getMessage())
        assert "Traceback" not in record.getMessage()


@FUZZ
@given(query=queries(sdl(), custom_scalars=SCALARS))
def test_generated_queries(running: Running, caplog: pytest.LogCaptureFixture, query: str) -> None:
    with caplog.at_level(logging.INFO):
        assert_sound(running.post(json={"query": query}), caplog)


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=200),
        JSON_VALUES.map(lambda value: orjson.dumps(value)),
        st.fixed_dictionaries(
            {"query": st.text(max_size=200) | JSON_VALUES},
            optional={
                "variables": JSON_VALUES,
                "operationName": JSON_VALUES,
                "extensions": JSON_VALUES,
            },
        ).map(lambda value: orjson.dumps(value)),
        st.integers(1, 50_000).map(
            lambda depth: b'{"query": "{ __typename }", "variables": ' + b"[" * depth
        ),
    )
)
def test_malformed_bodies(running: Running, caplog: pytest.LogCaptureFixture, body: bytes) -> None:
    with caplog.at_level(logging.INFO):
        response = running.post(content=body, headers={"content-type": "application/json"})
        assert_sound(response, caplog)


@FUZZ
@given(
    params=st.fixed_dictionaries(  # without a query, a GET is a request for GraphiQL
        {"query": st.text(min_size=1, max_size=100)},
        optional={name: st.text(max_size=100) for name in ("variables", "operationName")},
    )
)
def test_malformed_get_parameters(
    running: Running, caplog: pytest.LogCaptureFixture, params: dict[str, str]
) -> None:
    with caplog.at_level(logging.INFO):
        assert_sound(running.get(params), caplog)
