"""A watched YAML folder: changes arrive in batches, only changed files are read again, a
broken file keeps its last good version, a deleted one goes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from newsgraph.engine.sources import SourceBatch, WatchedSource
from newsgraph.plugins.yaml_folder import YamlFolderSource, is_content
from newsgraph.plugins.yaml_live import Folder, RescanNeeded
from tests.conftest import WriteTree, front_matter

WAIT = 20.0


def story(slug: str, title: str = "A story") -> str:
    return front_matter(title=f'"{title}"', webUrl=f'"https://news.example.com/{slug}"')


def titles(batch: SourceBatch) -> dict[str, object]:
    return {Path(r.origin).name: r.data["title"] for r in batch.articles}


def test_the_yaml_folder_source_is_a_watched_source(write_tree: WriteTree) -> None:
    source = YamlFolderSource("news", {"path": str(write_tree({"a.md": story("a")}))})
    assert isinstance(source, WatchedSource)


async def watching(changes: AsyncIterator[list[str]], root: Path) -> None:
    """Return once the watcher reports changes: a note (not content) is written until it does."""
    waiting = asyncio.ensure_future(anext(changes))
    while not waiting.done():
        (root / "note.txt").write_text("ready?")
        await asyncio.wait({waiting}, timeout=0.2)
    await waiting


async def changed(
    source: YamlFolderSource, changes: AsyncIterator[list[str]], name: str, text: str | None
) -> SourceBatch:
    """Change one file (None: delete it); once the watcher has reported it, load."""
    if text is None:
        (source.root / name).unlink()
    else:
        (source.root / name).write_text(text)
    while name not in await asyncio.wait_for(anext(changes), WAIT):
        pass
    return await source.load()


@pytest.mark.asyncio
async def test_a_burst_of_a_thousand_files_is_one_batch(write_tree: WriteTree) -> None:
    root = write_tree({"a.md": story("a")})
    source = YamlFolderSource("news", {"path": str(root)})
    assert len((await source.load()).articles) == 1
    changes = source.changes()
    await watching(changes, root)
    for number in range(1000):
        (root / f"{number}.md").write_text(story(f"burst-{number}"))
    batches = [await asyncio.wait_for(anext(changes), WAIT)]
    while sum(name.endswith(".md") for batch in batches for name in batch) < 1000:
        batches.append(await asyncio.wait_for(anext(changes), WAIT))
    # One batch; a writer stalled for longer than a step on a loaded machine may make two.
    assert len(batches) <= 2
    batch = await source.load()
    assert len(batch.articles) == 1001
    assert batch.problems == []


@pytest.mark.asyncio
async def test_a_broken_file_keeps_its_last_good_version_until_fixed(
    write_tree: WriteTree,
) -> None:
    root = write_tree({"a.md": story("a", "First"), "b.md": story("b")})
    source = YamlFolderSource("news", {"path": str(root)})
    await source.load()
    changes = source.changes()
    await watching(changes, root)

    broken = await changed(source, changes, "a.md", "---\ntitle: [unclosed\n---\n")
    assert titles(broken) == {"a.md": "First", "b.md": "A story"}
    (problem,) = broken.problems
    assert (Path(problem.origin).name, problem.line) == ("a.md", 3)
    assert "last good version" in problem.message

    fixed = await changed(source, changes, "a.md", story("a", "Second"))
    assert (titles(fixed)["a.md"], fixed.problems) == ("Second", [])

    deleted = await changed(source, changes, "a.md", None)
    assert titles(deleted) == {"b.md": "A story"}


def test_folder_changes_it_cannot_place_ask_for_a_rescan(write_tree: WriteTree) -> None:
    root = write_tree({"news/a.md": story("a"), "b.md": story("b")})
    folder = Folder()
    folder.files = {"news/a.md": (1, 1, 1, 1), "b.md": (1, 1, 1, 1)}
    folder.results = {"news/a.md": [], "b.md": []}
    (root / "news" / "a.md").unlink()
    (root / "news").rmdir()
    with pytest.raises(RescanNeeded):
        folder.apply(str(root), ["news"], is_content, 1 << 20)
    (root / "extra").mkdir()
    with pytest.raises(RescanNeeded):
        folder.apply(str(root), ["extra"], is_content, 1 << 20)
    # Not content: a note beside the articles, an editor's swap file, a README.
    (root / "notes.txt").write_text("x")
    (root / "README.md").write_text("x")
    folder.apply(str(root), ["notes.txt", ".b.md.swp", "README.md"], is_content, 1 << 20)
    assert set(folder.results) == {"news/a.md", "b.md"}


@pytest.mark.asyncio
async def test_a_missing_folder_is_not_watched(tmp_path: Path) -> None:
    source = YamlFolderSource("news", {"path": str(tmp_path / "nowhere")})
    assert [batch async for batch in source.changes()] == []
