"""The YAML folder's fingerprint: equal while nothing that `load` reads has changed, different
after any edit, addition, deletion or option change, and None when it cannot tell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsgraph.plugin_api import FingerprintedSource
from newsgraph.plugins.yaml_folder import YamlFolderSource
from tests.conftest import WriteTree, front_matter

PAST = 1_600_000_000 * 10**9


@pytest.fixture
def folder(write_tree: WriteTree) -> Path:
    root = write_tree(
        {f"news/{n}.md": front_matter(webUrl=f'"https://news.example.com/{n}"') for n in range(3)}
    )
    for path in root.rglob("*"):
        os.utime(path, ns=(PAST, PAST))
    return root


def fingerprint(folder: Path, **options: object) -> str | None:
    source = YamlFolderSource("test", {"path": str(folder), **options})
    assert isinstance(source, FingerprintedSource)
    return source.fingerprint()


def test_unchanged_content_keeps_its_fingerprint(folder: Path) -> None:
    first = fingerprint(folder)
    assert first is not None and fingerprint(folder) == first


def test_an_edit_of_the_same_size_and_time_changes_it(folder: Path) -> None:
    before = fingerprint(folder)
    story = folder / "news" / "1.md"
    story.write_text(story.read_text().replace("valid", "VALID"))
    os.utime(story, ns=(PAST, PAST))  # ctime still moves
    assert fingerprint(folder) != before


def test_added_and_deleted_files_change_it(folder: Path) -> None:
    before = fingerprint(folder)
    (folder / "news" / "3.md").write_text(front_matter())
    added = fingerprint(folder)
    (folder / "news" / "0.md").unlink()
    assert len({before, added, fingerprint(folder)}) == 3


def test_files_that_are_not_content_do_not_change_it(folder: Path) -> None:
    before = fingerprint(folder)
    (folder / "README.md").write_text("# notes\n")
    (folder / "notes.txt").write_text("notes\n")
    assert fingerprint(folder) == before


def test_options_that_change_what_is_read_change_it(folder: Path) -> None:
    plain = fingerprint(folder)
    assert fingerprint(folder, base_url="https://news.example.com/site") != plain
    assert fingerprint(folder, max_file_bytes=100) != plain


def test_a_missing_folder_or_a_refused_file_has_none(folder: Path, tmp_path: Path) -> None:
    assert fingerprint(folder / "missing") is None
    outside = tmp_path / "outside.md"
    outside.write_text(front_matter())
    (folder / "news" / "link.md").symlink_to(outside)
    assert fingerprint(folder) is None
