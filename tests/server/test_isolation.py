"""A source that fails or hangs never stops the others; its last good data stays."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from newsgraph.plugin_api import RawRecord, RegisterSourceType, SourceBatch, hookimpl
from newsgraph.server.config import SourceConfig
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS


class Flaky:
    """Serves one article; fails while `mode` says so: 'ok', 'raise' or 'hang'."""

    mode = "ok"

    def __init__(self, name: str, options: Mapping[str, object]) -> None:
        self.name = name

    async def load(self) -> SourceBatch:
        if Flaky.mode == "raise":
            raise ConnectionError("upstream is down")
        if Flaky.mode == "hang":
            await asyncio.sleep(60)
        record = RawRecord(
            {
                "title": "Flaky story",
                "publishedDateTime": "2030-01-01T00:00:00Z",
                "webUrl": "https://flaky.example.com/1",
                "provider": {"name": "Flaky", "domain": "flaky.example.com"},
            },
            "flaky",
        )
        return SourceBatch(articles=[record])


class FlakyPlugin:
    @staticmethod
    @hookimpl
    def register_source_types(register: RegisterSourceType) -> None:
        register("flaky", Flaky)


QUERY = "{ articles(first: 100) { totalCount edges { node { title source } } } }"


# Long enough for the seeds to load on a busy machine; the hanging source is the only one
# meant to run into it.
HANG_TIMEOUT = 2.0


def make_flaky_app(source_timeout: float) -> object:
    Flaky.mode = "raise"
    return make_app(
        ("flaky", FlakyPlugin()),
        sources=[
            SourceConfig("flaky", "flaky"),
            SourceConfig("yaml_folder", "seeds", {"path": str(SEEDS)}),
        ],
        source_timeout=source_timeout,
    )


@pytest.fixture
def app() -> object:
    return make_flaky_app(source_timeout=60)


@pytest.mark.asyncio
async def test_failing_source_leaves_others_serving_then_recovers(app: object) -> None:
    async with client(app) as http:  # type: ignore[arg-type]
        first = (await http.post("/graphql", json={"query": QUERY})).json()["data"]["articles"]
        states = {s["name"]: s for s in (await http.get("/-/sources")).json()}
        assert first["totalCount"] >= 40
        assert "Flaky story" not in [e["node"]["title"] for e in first["edges"]]
        assert states["flaky"]["status"] == "failing"
        assert "ConnectionError: upstream is down" in states["flaky"]["last_error"]
        assert states["seeds"]["status"] == "ok" and states["seeds"]["counts"]["visible"] >= 40

        Flaky.mode = "ok"
        await app.state.runtime.load()  # type: ignore[attr-defined]
        second = (await http.post("/graphql", json={"query": QUERY})).json()["data"]["articles"]
        assert second["edges"][0]["node"] == {"title": "Flaky story", "source": "flaky"}
        assert second["totalCount"] == first["totalCount"] + 1

        Flaky.mode = "raise"
        await app.state.runtime.load()  # type: ignore[attr-defined]
        third = (await http.post("/graphql", json={"query": QUERY})).json()["data"]["articles"]
        states = {s["name"]: s for s in (await http.get("/-/sources")).json()}
        assert third == second, "a failing source keeps its last good articles"
        assert states["flaky"]["status"] == "failing"
        assert states["flaky"]["last_success"] is not None


@pytest.mark.asyncio
async def test_hanging_source_is_timed_out() -> None:
    app = make_flaky_app(source_timeout=HANG_TIMEOUT)
    Flaky.mode = "hang"
    async with client(app) as http:  # type: ignore[arg-type]
        states = {s["name"]: s for s in (await http.get("/-/sources")).json()}
        total = (await http.post("/graphql", json={"query": QUERY})).json()["data"]["articles"]
    assert states["flaky"]["last_error"] == "timed out after 2 s"
    assert total["totalCount"] >= 40


@pytest.mark.asyncio
async def test_cancellation_is_not_swallowed(app: object) -> None:
    Flaky.mode = "hang"
    runtime = app.state.runtime  # type: ignore[attr-defined]
    runtime.config = runtime.config.model_copy(update={"source_timeout": 30})
    task = asyncio.create_task(runtime.load())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
