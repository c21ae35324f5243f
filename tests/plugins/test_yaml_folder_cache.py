from __future__ import annotations

import io
import logging
import os
import pickle
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsgraph.engine.sources import SourceBatch
from newsgraph.plugins import yaml_cache, yaml_folder, yaml_pool
from newsgraph.plugins.yaml_folder import YamlFolderSource
from newsgraph.plugins.yaml_parse import parse_chunk
from tests.conftest import SEEDS, WriteTree, front_matter

Load = Callable[..., SourceBatch]
PAST = 1_600_000_000 * 10**9

BAD: dict[str, str | bytes] = {
    "unclosed.md": "---\ntitle: Never closed\n",
    "tabs.md": "---\ntitle: Tabs\nprovider:\n\tname: X\n---\n",
    "int-tag.md": front_matter(quality="!!int high"),
    "python-tag.md": front_matter(title="!!python/object/apply:os.system ['echo pwned']"),
    "list.yaml": "- one\n- two\n",
    "bad-utf8.md": front_matter().encode() + b"\xff\xfe",
    "empty.md": "",
}


def contents(batch: SourceBatch) -> tuple[object, ...]:
    def records(kind: str) -> list[tuple[object, ...]]:
        return [(r.data, r.origin, r.line, dict(r.field_lines)) for r in getattr(batch, kind)]

    return records("articles"), records("topics"), batch.problems


@pytest.fixture
def folder(write_tree: WriteTree) -> Path:
    files: dict[str, str | bytes] = {
        f"news/{n:02d}.md": front_matter(webUrl=f'"https://news.example.com/{n}"')
        for n in range(12)
    }
    files.update(BAD)
    files["topics.yaml"] = "- taxonomy: topic\n  _id: ai\n  name: AI\n- _id: ml\n  name: ML\n"
    root = write_tree(files)
    for path in root.rglob("*"):
        os.utime(path, ns=(PAST, PAST))
    return root


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the names of the files parsed in this process, in order."""
    names: list[str] = []

    def counting(root: str, chunk: Sequence[str], max_bytes: int) -> bytes:
        names.extend(chunk)
        return parse_chunk(root, chunk, max_bytes)

    monkeypatch.setattr("newsgraph.plugins.yaml_pool.parse_chunk", counting)
    return names


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return count_parses(monkeypatch)


@pytest.fixture
def load(folder: Path, tmp_path: Path) -> Load:
    def load(**options: object) -> SourceBatch:
        options = {"path": str(folder), "cache": str(tmp_path / "folder.cache"), **options}
        return YamlFolderSource("test", options).load_now()

    return load


def edit(path: Path, text: str, mtime_ns: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_warm_load_equals_cold_and_parses_nothing(load: Load, parsed: list[str]) -> None:
    cold = load()
    assert len(parsed) == 12 + len(BAD) + 1
    parsed.clear()
    warm = load()
    assert parsed == []
    assert contents(warm) == contents(cold)
    assert len(warm.articles) == 12 and len(warm.topics) == 2


def test_problems_come_back_from_the_cache_with_line_and_field(
    load: Load, parsed: list[str]
) -> None:
    cold = load()
    parsed.clear()
    warm = load()
    assert parsed == []
    assert warm.problems == cold.problems
    found = {Path(p.origin).name: (p.line, p.field) for p in warm.problems}
    assert found == {
        "unclosed.md": (1, None),
        "tabs.md": (4, None),
        "int-tag.md": (10, "quality"),
        "python-tag.md": (2, None),
        "list.yaml": (1, None),
        "bad-utf8.md": (11, None),
        "empty.md": (None, None),
    }


def test_an_edit_of_the_same_size_is_seen(load: Load, folder: Path, parsed: list[str]) -> None:
    load()
    parsed.clear()
    path = folder / "news" / "03.md"
    text = path.read_text(encoding="utf-8")
    edit(path, text.replace("A valid article", "A fixed article"), PAST + 10**9)
    articles = load().articles
    assert parsed == [os.path.join("news", "03.md")]
    assert "A fixed article" in {r.data["title"] for r in articles}


def test_a_file_replaced_with_its_old_size_and_mtime_is_seen(
    load: Load, folder: Path, parsed: list[str]
) -> None:
    load()
    parsed.clear()
    path = folder / "news" / "04.md"
    replacement = folder / "replacement.tmp"
    edit(replacement, path.read_text(encoding="utf-8").replace("valid", "other"), PAST)
    replacement.replace(path)
    load()
    assert parsed == [os.path.join("news", "04.md")]


def test_added_and_deleted_files_are_seen(load: Load, folder: Path, parsed: list[str]) -> None:
    load()
    (folder / "news" / "05.md").unlink()
    (folder / "empty.md").unlink()
    edit(folder / "news" / "new.md", front_matter(webUrl='"https://news.example.com/new"'), PAST)
    parsed.clear()
    warm = load()
    assert parsed == [os.path.join("news", "new.md")]
    names = {Path(r.origin).name for r in warm.articles}
    assert "new.md" in names and "05.md" not in names
    assert "empty.md" not in {Path(p.origin).name for p in warm.problems}
    parsed.clear()
    assert contents(load()) == contents(warm)
    assert parsed == []


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda blob: b"", id="empty"),
        pytest.param(lambda blob: blob[: len(blob) // 2], id="truncated"),
        pytest.param(lambda blob: blob[:-40] + bytes(40), id="zeroed-tail"),
        pytest.param(lambda blob: b"not a cache at all\n" + blob, id="foreign"),
        pytest.param(
            lambda blob: yaml_cache.MAGIC + pickle.dumps(((0, "old"), [])), id="old-format"
        ),
        pytest.param(
            lambda blob: yaml_cache.MAGIC + pickle.dumps(os.system), id="forbidden-global"
        ),
    ],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(
    load: Load, tmp_path: Path, parsed: list[str], damage: Callable[[bytes], bytes]
) -> None:
    cold = load()
    cache = tmp_path / "folder.cache"
    cache.write_bytes(damage(cache.read_bytes()))
    parsed.clear()
    assert contents(load()) == contents(cold)
    assert len(parsed) == 12 + len(BAD) + 1
    parsed.clear()
    load()
    assert parsed == []


def read_records(cache: Path) -> tuple[object, list[tuple[Any, ...]]]:
    """The header and the chunk records of a cache file."""
    stream = io.BytesIO(cache.read_bytes()[len(yaml_cache.MAGIC) :])
    header = pickle.load(stream)
    records = []
    while stream.tell() < len(stream.getbuffer()):
        records.append(pickle.load(stream))
    return header, records


def write_records(cache: Path, header: object, records: list[tuple[object, ...]]) -> None:
    with cache.open("wb") as file:
        file.write(yaml_cache.MAGIC)
        for record in (header, *records):
            pickle.dump(record, file)


STRING_PICKLE = pickle.dumps("not a list")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda chunk: (*chunk[:3], chunk[3][:-1]), id="checksum-fails"),
        pytest.param(
            lambda chunk: (*chunk[:2], zlib.crc32(STRING_PICKLE), STRING_PICKLE), id="not-a-list"
        ),
        pytest.param(lambda chunk: (*chunk[:2], zlib.crc32(b"junk"), b"junk"), id="not-a-pickle"),
        pytest.param(lambda chunk: (chunk[0], chunk[1][1:], *chunk[2:]), id="stats-missing"),
        pytest.param(lambda chunk: (chunk[0],), id="not-a-chunk"),
    ],
)
def test_a_damaged_chunk_is_parsed_again(
    load: Load,
    tmp_path: Path,
    parsed: list[str],
    monkeypatch: pytest.MonkeyPatch,
    damage: Callable[[tuple[object, ...]], tuple[object, ...]],
) -> None:
    monkeypatch.setattr(yaml_folder, "CHUNK_FILES", 5)
    cold = load()
    cache = tmp_path / "folder.cache"
    header, (first, second, *rest) = read_records(cache)
    write_records(cache, header, [first, damage(second), *rest])
    parsed.clear()
    assert contents(load()) == contents(cold)
    assert parsed == list(second[0])
    assert len(parsed) == 5
    parsed.clear()
    load()
    assert parsed == []


def test_a_cache_cut_short_keeps_the_chunks_before_the_cut(
    load: Load, tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_folder, "CHUNK_FILES", 5)
    cold = load()
    cache = tmp_path / "folder.cache"
    *_, last = read_records(cache)[1]
    with cache.open("r+b") as file:
        file.truncate(cache.stat().st_size - 100)
    parsed.clear()
    assert contents(load()) == contents(cold)
    assert parsed == list(last[0])


def test_a_changed_size_limit_drops_the_cache(load: Load, parsed: list[str]) -> None:
    load()
    parsed.clear()
    batch = load(max_file_bytes=100)
    assert len(parsed) == 12 + len(BAD) + 1
    assert any("limit" in p.message for p in batch.problems)


def test_every_safe_yaml_type_survives_the_cache(write_tree: WriteTree, tmp_path: Path) -> None:
    root = write_tree(
        {
            "types.yaml": (
                "taxonomy: topic\nname: Types\nset: !!set {a, b}\nbinary: !!binary aGVsbG8=\n"
                "omap: !!omap [a: 1, b: 2]\npairs: !!pairs [a: 1, a: 2]\nday: 2020-01-02\n"
                "utc: 2020-01-02T03:04:05Z\nzoned: 2020-01-02 03:04:05.5 +02:30\n"
                "naive: 2020-01-02 03:04:05\nfloats: [.inf, -.inf, 1.5e300]\nbig: 123456789012345678901234567890\n"
                "shared: &s {k: [1, 2]}\nagain: *s\nmerged: {<<: *s, z: 1}\nnull: ~\n"
                "recursive: &r [*r]\n"
            )
        }
    )
    options = {"path": str(root), "cache": str(tmp_path / "types.cache")}
    cold = YamlFolderSource("types", options).load_now().topics[0].data
    warm = YamlFolderSource("types", options).load_now().topics[0].data
    assert repr(warm) == repr(cold)
    assert warm["day"] == cold["day"] and warm["zoned"] == cold["zoned"]
    zoned = warm["zoned"]
    assert isinstance(zoned, datetime) and zoned.utcoffset() == timedelta(hours=2, minutes=30)
    assert warm["again"] is warm["shared"]
    recursive = warm["recursive"]
    assert isinstance(recursive, list) and recursive[0] is recursive


def test_worker_processes_give_the_same_batch(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_folder, "CHUNK_FILES", 3)
    from_workers: list[bytes] = []
    in_processes = yaml_pool._in_processes

    def spy(*args: Any) -> Iterator[bytes]:
        for blob in in_processes(*args):
            from_workers.append(blob)
            yield blob

    monkeypatch.setattr(yaml_pool, "_in_processes", spy)
    alone = YamlFolderSource("t", {"path": str(folder), "cache": False, "workers": 1})
    pooled = YamlFolderSource("t", {"path": str(folder), "cache": False, "workers": 2})
    assert contents(pooled.load_now()) == contents(alone.load_now())
    assert len(from_workers) == 7  # 20 files in chunks of 3


def test_a_cache_written_by_workers_is_read_without_them(
    load: Load, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load(workers=2)
    parsed = count_parses(monkeypatch)
    assert contents(load(workers=1)) == contents(cold)
    assert parsed == []


def test_failing_worker_processes_fall_back_to_this_one(
    load: Load, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected = contents(load(cache=False, workers=1))

    def broken(*args: object) -> None:
        raise BrokenProcessPool("no processes here")

    monkeypatch.setattr(yaml_pool, "_in_processes", broken)
    with caplog.at_level(logging.WARNING, logger="newsgraph"):
        assert contents(load(cache=False, workers=2)) == expected
    assert "worker processes failed (no processes here)" in caplog.text


def test_a_load_that_fails_leaves_the_old_cache_alone(
    load: Load, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load()
    edit(folder / "news" / "07.md", front_matter(title='"Changed"'), PAST + 10**9)

    def failing(*args: object) -> bytes:
        raise RuntimeError("parser bug")

    monkeypatch.setattr("newsgraph.plugins.yaml_pool.parse_chunk", failing)
    with pytest.raises(RuntimeError, match="parser bug"):
        load()
    assert [p.name for p in tmp_path.iterdir() if "cache" in p.name] == ["folder.cache"]
    monkeypatch.undo()
    warm = load()
    assert len(warm.articles) == len(cold.articles)
    assert "Changed" in {r.data["title"] for r in warm.articles}


def test_files_left_by_killed_writers_are_swept(load: Load, tmp_path: Path) -> None:
    old, recent = tmp_path / ".folder.cache.killed", tmp_path / ".folder.cache.writing"
    for leftover in (old, recent):
        leftover.write_bytes(b"")
    os.utime(old, ns=(PAST, PAST))
    load()
    assert not old.exists() and recent.exists()


def test_a_cache_that_cannot_be_written_is_only_logged(
    load: Load, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="newsgraph"):
        batch = load(cache=str(tmp_path / "a-file" / "folder.cache"))
    assert len(batch.articles) == 12
    assert "cannot write the cache" in caplog.text


def test_cache_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = YamlFolderSource("t", {"path": str(tmp_path)})
    many = yaml_folder.CACHE_MIN_FILES
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    found = source.cache_file(many)
    assert found is not None and found.parent == tmp_path / "xdg" / "newsgraph"
    assert found.name.endswith(".cache")
    (tmp_path / "sub").mkdir()
    assert YamlFolderSource("t", {"path": f"{tmp_path}/sub/.."}).cache_file(many) == found
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert source.cache_file(many) == tmp_path / "home" / ".cache" / "newsgraph" / found.name
    assert source.cache_file(many - 1) is None
    on = YamlFolderSource("t", {"path": str(tmp_path), "cache": True})
    assert on.cache_file(1) == tmp_path / "home" / ".cache" / "newsgraph" / found.name
    off = YamlFolderSource("t", {"path": str(tmp_path), "cache": False})
    assert off.cache_file(many) is None
    chosen = YamlFolderSource("t", {"path": str(tmp_path), "cache": "my.cache"})
    assert chosen.cache_file(1) == Path("my.cache")


def test_small_folders_write_no_cache_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    batch = YamlFolderSource("seeds", {"path": str(SEEDS)}).load_now()
    assert batch.articles and batch.problems == []
    assert list(tmp_path.iterdir()) == []


def test_origins_match_the_folder_as_given(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(folder)
    for path in (".", "./", "news/..", str(folder) + "/"):
        options = {"path": path, "cache": str(tmp_path / "c.cache"), "workers": 1}
        origins = [r.origin for r in YamlFolderSource("t", options).load_now().articles]
        assert origins == [str(Path(path) / "news" / f"{n:02d}.md") for n in range(12)]


def test_unreadable_folders_are_problems(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.scandir

    def scandir(path: str) -> object:
        if path.rstrip(os.sep).endswith("news"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    batch = YamlFolderSource("t", {"path": str(folder), "cache": False}).load_now()
    assert batch.articles == []
    assert str(batch.problems[0]) == f"{folder}/news: error: cannot read: Permission denied"


def test_files_are_listed_in_path_order(write_tree: WriteTree) -> None:
    names = ["a.md", "a/b.md", "a-b.md", "B.md", "a/c/d.md", "_x.md", ".hidden/e.md", "f.txt"]
    root = write_tree({name: front_matter() for name in names})
    files, unreadable = yaml_folder.content_files(root)
    expected = sorted(p for p in root.rglob("*.md") if ".hidden" not in p.parts)
    assert [root / name for name in files] == expected
    assert unreadable == {}


def test_cache_and_workers_options_are_validated() -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"cache": ""}, "cache: expected true, false or the path"),
        ({"cache": 3}, "cache: expected"),
        ({"workers": 0}, "workers: expected a positive whole number"),
        ({"workers": True}, "workers: expected"),
        ({"workers": "2"}, "workers: expected"),
    ]
    for options, message in cases:
        with pytest.raises(ValueError, match=message):
            YamlFolderSource("x", {"path": ".", **options})
