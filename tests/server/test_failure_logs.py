"""A source that cannot be read logs one line; a source with a bug logs its traceback."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pytest

from newsgraph.plugin_api import RegisterSourceType, SourceBatch, SourceUnavailable, hookimpl
from newsgraph.server.config import SourceConfig
from newsgraph.testing import client, make_app


class Failing:
    """Fails every load with the exception class named in its `raise` option."""

    def __init__(self, name: str, options: Mapping[str, object]) -> None:
        self.error = {"unavailable": SourceUnavailable, "bug": KeyError}[str(options["raise"])]

    async def load(self) -> SourceBatch:
        raise self.error("the upstream said no")


class FailingPlugin:
    @staticmethod
    @hookimpl
    def register_source_types(register: RegisterSourceType) -> None:
        register("failing", Failing)


def failure_records(caplog: pytest.LogCaptureFixture, source: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if f"source {source!r}" in r.getMessage()]


@pytest.mark.asyncio
@pytest.mark.parametrize(("raises", "traceback"), [("unavailable", False), ("bug", True)])
async def test_only_a_bug_in_a_source_logs_a_traceback(
    caplog: pytest.LogCaptureFixture, raises: str, traceback: bool
) -> None:
    app = make_app(
        ("failing", FailingPlugin()),
        sources=[SourceConfig("failing", "upstream", {"raise": raises})],
        ready_when_empty=True,
    )
    with caplog.at_level(logging.INFO, logger="newsgraph"):
        async with client(app) as http:
            state = (await http.get("/-/sources")).json()[0]
    assert state["status"] == "failing"
    assert "the upstream said no" in state["last_error"]
    [record] = [r for r in failure_records(caplog, "upstream") if r.levelno == logging.ERROR]
    assert (record.exc_info is not None) is traceback


@pytest.mark.asyncio
async def test_a_missing_folder_is_one_line_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(
        sources=[SourceConfig("yaml_folder", "gone", {"path": str(tmp_path / "absent")})],
        ready_when_empty=True,
    )
    with caplog.at_level(logging.INFO, logger="newsgraph"):
        async with client(app):
            pass
    [record] = [r for r in failure_records(caplog, "gone") if r.levelno == logging.ERROR]
    assert "is not a folder" in record.getMessage()
    assert record.exc_info is None


@pytest.mark.asyncio
async def test_a_records_problem_is_logged_once_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: A\nurl: https://example.com/a\ndate: 2024-01-02\ntopics: AI\n---\n",
        encoding="utf-8",
    )
    app = make_app(sources=[SourceConfig("yaml_folder", "folder", {"path": str(tmp_path)})])
    with caplog.at_level(logging.INFO, logger="newsgraph"):
        async with client(app):
            pass
    mentions = [r for r in caplog.records if "topics: expected a list" in r.getMessage()]
    assert len(mentions) == 1 and "source 'folder'" in mentions[0].getMessage()
