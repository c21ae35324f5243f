"""Warm starts: a second process with the same content serves the articles its predecessor
normalised, with the same content hash and problems; any change, damage or foreign file means
an ordinary load, never a crash."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import shutil
import time
from pathlib import Path

import pytest

from newsgraph.engine import article_cache
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS, front_matter

HIT = "from the warm-start cache"
IGNORED = "ignoring the articles cache"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(SEEDS, folder)
    # A record an error rejects and one a warning flags: problems must come back too.
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    (folder / "odd.md").write_text(
        "---\ntitle: Odd\npublishedDateTime: 2024-01-02T03:04:05Z\n"
        "webUrl: https://news.example.com/odd\nprovider:\n  name: Ex\n  domain: example.com\n"
        "quality: lots\n---\n"
    )
    return folder


def runtime(folder: Path) -> Runtime:
    return Runtime(Config(sources=folder_sources([folder]), article_cache_min_records=0))


def cache_files() -> list[Path]:
    return sorted(article_cache.cache_folder().glob("*.articles"))


def served(started: Runtime) -> tuple[object, ...]:
    ingested = started.ingested
    return (
        ingested.content_hash,
        sorted(str(problem) for problem in ingested.problems),
        list(started.catalog.order),
        ingested.records,
    )


@pytest.mark.asyncio
async def test_a_second_start_serves_the_cached_articles(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "newsgraph")
    cold = runtime(folder)
    await cold.load()
    assert HIT not in caplog.text and len(cache_files()) == 1
    assert cold.ingested.errors and cold.ingested.warnings
    warm = runtime(folder)
    await warm.load()
    assert HIT in caplog.text
    assert served(warm) == served(cold)
    assert warm.snapshot.content_hash == cold.snapshot.content_hash
    assert warm.states["content"].status == "ok"


@pytest.mark.asyncio
async def test_a_changed_file_is_read_and_cached_again(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "newsgraph")
    await runtime(folder).load()
    story = sorted(folder.glob("2*.md"))[0]
    story.write_text(story.read_text().replace("title:", "title: Changed", 1))
    caplog.clear()
    changed = runtime(folder)
    await changed.load()
    assert HIT not in caplog.text
    assert any(article.title.startswith("Changed") for article in changed.catalog.order)
    again = runtime(folder)
    await again.load()
    assert HIT in caplog.text
    assert served(again) == served(changed)


@pytest.mark.asyncio
async def test_reloads_after_a_warm_start_read_the_source(folder: Path) -> None:
    await runtime(folder).load()
    warm = runtime(folder)
    await warm.load()
    version = warm.snapshot_version
    await warm.load()  # the source's first real load: the same content, the same snapshot
    assert warm.snapshot_version == version
    (folder / "odd.md").unlink()
    await warm.load()
    assert warm.snapshot_version == version + 1
    assert not any(article.title == "Odd" for article in warm.catalog.order)


@pytest.mark.asyncio
async def test_a_damaged_cache_is_ignored_with_a_log_line(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cold = runtime(folder)
    await cold.load()
    (cache,) = cache_files()
    data = bytearray(cache.read_bytes())
    data[len(data) // 2] ^= 0xFF
    cache.write_bytes(bytes(data))
    damaged = runtime(folder)
    await damaged.load()
    assert IGNORED in caplog.text and HIT not in caplog.text
    assert served(damaged) == served(cold)
    cache.write_bytes(cache.read_bytes()[:-100])  # the next load rewrote it; cut it short
    caplog.clear()
    await runtime(folder).load()
    assert IGNORED in caplog.text


class _Planted:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.mkdir, (str(Path.cwd() / "planted"),))


@pytest.mark.asyncio
async def test_a_foreign_pickle_builds_nothing(
    folder: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    cold = runtime(folder)
    await cold.load()
    (cache,) = cache_files()
    with cache.open("rb") as file:
        magic = file.read(len(article_cache.MAGIC))
        header = pickle.load(file)
    cache.write_bytes(magic + pickle.dumps(header) + pickle.dumps(_Planted()) + bytes(4))
    foreign = runtime(folder)
    await foreign.load()
    assert "is not allowed here" in caplog.text
    assert not (tmp_path / "planted").exists()
    assert served(foreign) == served(cold)


@pytest.mark.asyncio
async def test_small_sources_are_not_cached_by_default(folder: Path) -> None:
    await Runtime(Config(sources=folder_sources([folder]))).load()
    assert cache_files() == []


@pytest.mark.asyncio
async def test_another_source_name_does_not_share_the_cache(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "newsgraph")
    await runtime(folder).load()
    renamed = folder.parent / "renamed"
    folder.rename(renamed)
    moved = runtime(renamed)
    await moved.load()
    assert HIT not in caplog.text
    assert {article.source for article in moved.catalog.order} == {"renamed"}


@pytest.mark.asyncio
async def test_two_checkouts_serving_one_relative_path_keep_a_cache_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for checkout in ("one", "two"):
        shutil.copytree(SEEDS, tmp_path / checkout / "content")
    files = []
    for checkout in ("one", "two"):
        monkeypatch.chdir(tmp_path / checkout)
        await runtime(Path("content")).load()
        files.append(set(cache_files()))
    assert len(files[1] - files[0]) == 1, "the second checkout wrote a cache file of its own"


WAIT = 20.0  # seconds: a generous bound for CI, not a speed requirement (that is in bench/)


async def until_titled(started: Runtime, title: str) -> None:
    deadline = time.monotonic() + WAIT
    while not any(article.title == title for article in started.catalog.order):
        if time.monotonic() > deadline:
            pytest.fail(f"{title!r} not served within {WAIT:g} s")
        await asyncio.sleep(0.05)


@pytest.mark.asyncio
async def test_the_watcher_sees_changes_after_a_warm_start(folder: Path) -> None:
    await runtime(folder).load()
    warm = runtime(folder)
    await warm.load()
    watching = asyncio.create_task(warm.watch("content"))
    try:
        for title in ("First after the start", "Second after the start"):
            (folder / f"{len(title)}-{title[0]}.md").write_text(
                front_matter(title=f'"{title}"', webUrl=f'"https://news.example.com/{title[0]}"')
            )
            await until_titled(warm, title)
    finally:
        watching.cancel()
    assert warm.states["content"].status == "ok"
