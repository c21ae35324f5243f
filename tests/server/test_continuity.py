"""Nothing lost: a load that suddenly gives no (or far fewer) articles keeps the last good
ones and says `degraded`; a hung source does not hold back another's news; each problem is
shown with its file or item and reason."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from newsgraph.server.config import Config, SourceConfig, folder_sources
from newsgraph.server.introspection import sources_view
from newsgraph.server.plugin_manager import load_plugins
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS, WriteTree, front_matter
from tests.server.test_isolation import Flaky, FlakyPlugin


@pytest.mark.asyncio
async def test_a_folder_that_vanishes_keeps_its_articles_and_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    shutil.copytree(SEEDS, folder)
    runtime = Runtime(Config(sources=folder_sources([folder])))
    await runtime.load()
    before = len(runtime.catalog)
    folder.rename(tmp_path / "moved-away")
    ingested = await runtime.load()
    (state,) = sources_view(runtime)
    assert len(runtime.catalog) == before > 0
    # The folder source itself refuses to read a folder that is not there (a failure); a
    # source that hands over an empty batch instead is degraded (the tests below).
    assert state["status"] in ("failing", "degraded")
    assert "not a folder" in str(state["last_error"])
    assert any(str(folder) in p.message for p in ingested.problems)


@pytest.mark.asyncio
async def test_a_shrink_past_max_shrink_is_degraded_and_a_small_one_is_not(
    write_tree: WriteTree,
) -> None:
    files = {
        f"_news/story-{n}.md": front_matter(
            title=f'"Story {n}"', webUrl=f'"https://news.example.com/{n}"'
        )
        for n in range(10)
    }
    folder = write_tree(files)
    runtime = Runtime(Config(sources=folder_sources([folder]), max_shrink=0.5))
    await runtime.load()
    for n in range(3):
        (folder / f"_news/story-{n}.md").unlink()
    await runtime.load()
    assert runtime.states["content"].status == "ok" and len(runtime.catalog) == 7
    for n in range(3, 7):
        (folder / f"_news/story-{n}.md").unlink()
    await runtime.load()
    assert runtime.states["content"].status == "degraded" and len(runtime.catalog) == 7


@pytest.mark.asyncio
async def test_a_hung_source_does_not_delay_another_sources_reload(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    shutil.copytree(SEEDS, folder)
    config = Config(
        sources=(SourceConfig("flaky", "flaky"), *folder_sources([folder])), source_timeout=60
    )
    runtime = Runtime(config, load_plugins(frozenset(), extra=[("flaky", FlakyPlugin())]))
    Flaky.mode = "ok"
    await runtime.load()
    before = len(runtime.catalog)
    Flaky.mode = "hang"
    gone = next(folder.glob("2023-*.md"))
    gone.unlink()
    reload = asyncio.create_task(runtime.load())
    try:
        async with asyncio.timeout(30):  # generous: the hung source's timeout is 60 s
            while len(runtime.catalog) == before:
                await asyncio.sleep(0.05)
        assert not reload.done(), "published while the hung source is still loading"
        assert len(runtime.catalog) == before - 1
    finally:
        reload.cancel()
        Flaky.mode = "ok"
