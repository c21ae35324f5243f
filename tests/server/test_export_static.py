"""`newsgraph export-static`: the served tree as files, rewritten only where content changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsgraph.server.cli import main
from tests.conftest import WriteTree
from tests.server.test_static_api import story

SITE = "https://example.org/site"


def export(out: Path, folder: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["export-static", str(out), str(folder), "--site-url", SITE, *extra]) == 0
    return capsys.readouterr().out.strip()


def inodes(root: Path) -> dict[str, int]:
    """Each file under `root` with its inode: a rewrite replaces the file, and so its inode."""
    return {
        str(path.relative_to(root)): path.stat().st_ino
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def write_stories(folder: Path, count: int, changed: int | None = None) -> None:
    """Stories 1..count, the oldest first; story 1 alone is about Space, the rest about AI."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, count + 1):
        topic = "Space" if n == 1 else "AI"
        text = story(n, topics=f"\n  - {topic}")
        if n == changed:
            text = text.replace(f"Story {n}", f"Story {n}, corrected")
        (folder / f"story-{n:02d}.md").write_text(text, "utf-8")


def test_a_second_export_rewrites_nothing(
    write_tree: WriteTree, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "_news"
    write_stories(folder, 30)
    out = tmp_path / "site"
    said = export(out, folder, capsys)
    written = inodes(out / "api")
    files = len(written) - 1  # and the list of what the export wrote
    assert said == f"{files} files under {out / 'api'}: {files} rewritten, 0 unchanged, 0 removed"
    page = json.loads((out / "api/news/page/2/index.json").read_bytes())
    assert [i["title"] for i in page["value"]] == [f"Story {n}" for n in range(5, 0, -1)]
    feed = json.loads((out / "api/news/space/feed.json").read_bytes())
    assert feed["feed_url"] == f"{SITE}/api/news/space/feed.json"

    said = export(out, folder, capsys)
    assert said.endswith(f": 0 rewritten, {files} unchanged, 0 removed")
    assert inodes(out / "api") == written


def test_a_changed_article_rewrites_only_the_files_that_show_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "_news"
    write_stories(folder, 30)
    out = tmp_path / "site"
    export(out, folder, capsys)
    before = inodes(out / "api")

    write_stories(folder, 30, changed=1)  # the oldest: on page 2, not in the newest 25
    said = export(out, folder, capsys)
    after = inodes(out / "api")
    rewritten = {path for path in after if after[path] != before[path]}
    assert rewritten == {
        "news/page/2/index.json",
        "news/space/index.json",
        "news/space/page/1/index.json",
        "news/space/feed.json",
        "news/space/rss.xml",
        "news/space/atom.xml",
    }
    assert ": 6 rewritten," in said


def test_files_no_longer_in_the_tree_are_removed_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "_news"
    write_stories(folder, 30)
    out = tmp_path / "site"
    (out / "api").mkdir(parents=True)
    (out / "api" / "mine.txt").write_text("not the export's", "utf-8")
    export(out, folder, capsys)
    assert (out / "api/news/page/2/index.json").exists()

    for n in range(1, 11):
        (folder / f"story-{n:02d}.md").unlink()
    said = export(out, folder, capsys)
    # Page 2 of the news and of AI have gone, and with story 1 the whole Space listing (its
    # index, its page 1 and its three feeds).
    assert said.endswith("7 removed")
    assert not (out / "api/news/page/2").exists() and not (out / "api/news/ai/page/2").exists()
    assert not (out / "api/news/space").exists()
    assert (out / "api" / "mine.txt").read_text("utf-8") == "not the export's"


def test_export_needs_the_sites_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "_news"
    write_stories(folder, 1)
    assert main(["export-static", str(tmp_path / "site"), str(folder)]) == 2
    assert "give --site-url or set server.site_url" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_topics_whose_id_cannot_name_a_folder_have_no_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "_news"
    write_stories(folder, 2)
    for topic_id in ("page", "a/b", "feed.json", "Canvas-Apps"):
        name = topic_id.replace("/", "-")
        (folder / f"topic-{name}.yaml").write_text(
            f"taxonomy: topic\n_id: {topic_id}\nname: Topic {name}\n", "utf-8"
        )
    out = tmp_path / "site"
    export(out, folder, capsys)
    listed = sorted(p.name for p in (out / "api/news").iterdir() if p.is_dir())
    assert listed == ["Canvas-Apps", "ai", "page", "space"]  # `page/` holds the pages
    assert not (out / "api/news/page/index.json").exists()
    assert (out / "api/news/Canvas-Apps/index.json").exists()


def test_a_site_url_that_is_no_url_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "_news"
    write_stories(folder, 1)
    assert main(["export-static", str(tmp_path / "site"), str(folder), "--site-url", "x y"]) == 2
    assert "site_url:" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_an_out_folder_that_cannot_be_made_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "_news"
    write_stories(folder, 1)
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way", encoding="utf-8")
    assert main(["export-static", str(blocker / "site"), str(folder), "--site-url", SITE]) == 1
    assert f"cannot write {blocker / 'site'}" in capsys.readouterr().err
    assert blocker.read_text(encoding="utf-8") == "in the way"
