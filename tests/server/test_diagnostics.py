"""A failing source or source class is logged once on the server, with its traceback and the
names of the source and its plugin; clients see none of it."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest

from newsgraph.plugin_api import RegisterSourceType, SourceBatch, hookimpl
from newsgraph.server.config import ConfigError, SourceConfig
from newsgraph.testing import client, make_app


class TypoSource:
    """Reads a record with a misspelled key, as a plugin under development might."""

    def __init__(self, name: str, options: Mapping[str, object]) -> None:
        self.record: dict[str, object] = {"title": "x"}

    async def load(self) -> SourceBatch:
        self.record["tittle"]  # noqa: B018 - the bug under test
        return SourceBatch()


class BrokenConstructor:
    def __init__(self, name: str, options: Mapping[str, object]) -> None:
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    async def load(self) -> SourceBatch:
        return SourceBatch()


class Typo:
    @hookimpl
    def register_source_types(self, register: RegisterSourceType) -> None:
        register("typo", TypoSource)
        register("broken", BrokenConstructor)


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "newsgraph" and r.levelno >= logging.WARNING]


@pytest.mark.asyncio
async def test_a_failing_load_is_logged_once_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="newsgraph")
    app = make_app(("typo_plugin", Typo()), sources=[SourceConfig("typo", "jsonl")])
    async with client(app) as http:
        (logged,) = failures(caplog)
        await app.state.runtime.load()  # the same failure again
        answer = await http.post("/graphql", json={"query": "{ articles { totalCount } }"})
        sources = (await http.get("/-/sources")).json()
    assert failures(caplog) == [logged], "a repeated failure is not logged again"
    message = logged.getMessage()
    assert "source 'jsonl'" in message and "from plugin 'typo_plugin'" in message
    assert "KeyError: 'tittle'" in message
    assert logged.exc_info is not None and logged.exc_info[0] is KeyError
    assert any("still fails" in r.getMessage() for r in caplog.records)
    assert "Traceback" not in answer.text and "tittle" not in answer.text
    assert sources[0]["status"] == "failing"


def test_a_constructor_that_raises_names_the_source_and_plugin(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(ConfigError) as raised:
        make_app(("typo_plugin", Typo()), sources=[SourceConfig("broken", "partner")])
    assert str(raised.value) == (
        "sources[0] 'partner' (broken, from plugin 'typo_plugin') could not be made: "
        "TypeError(\"unsupported operand type(s) for +: 'int' and 'str'\")"
    )
    (logged,) = failures(caplog)
    assert logged.exc_info is not None and logged.exc_info[0] is TypeError
    assert "'partner'" in logged.getMessage() and "typo_plugin" in logged.getMessage()
