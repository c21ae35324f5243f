"""The normalised-articles cache file: exact round trips, silent misses for other content,
and a bounded folder."""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsgraph.engine import article_cache, normalise
from newsgraph.engine.article_cache import Cached
from newsgraph.engine.ingest import Located, SourceArticles
from newsgraph.engine.model import Image, Provider, Topic
from newsgraph.engine.sources import Problem, Severity

RECORD = {
    "title": "A story",
    "publishedDateTime": datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    "updatedDateTime": "2024-01-03T00:00:00+02:00",
    "webUrl": "https://news.example.com/a",
    "ampWebUrl": "https://news.example.com/a/amp",
    "provider": {
        "name": "Example",
        "domain": "example.com",
        "images": [{"url": "https://x/l.png"}],
    },
    "topics": ["AI", "Robots"],
    "tags": ["one"],
    "images": [{"url": "https://x/1.jpg", "width": 10, "height": 20, "isCached": True}],
    "related": [
        {
            "title": "Before",
            "webUrl": "https://news.example.com/b",
            "publishedDateTime": "2023-12-31T23:00:00Z",
            "provider": {"name": "Other", "domain": "other.org"},
            "images": [{"url": "https://x/2.jpg", "title": "t", "attribution": "a"}],
        }
    ],
    "quality": 3,
    "published": False,
}


def part() -> SourceArticles:
    made, findings = normalise.article(RECORD, "news/a.md", "news")
    assert made is not None and not findings
    topic = Topic("ai", "AI", "ai", None, ("machine",), True, (("news", "https://x/ai"),))
    problem = Problem("news/b.md", "bad", 3, "title", Severity.WARNING, "news")
    profile = Provider("Example", "example.com", (Image("https://x/p.png", 5, 5),))
    return SourceArticles([made] * 3, [Located(topic, "t.yaml", 2)], [problem], 5, [profile])


def read(path: Path, fingerprint: str = "f1", name: str = "news") -> Cached | None:
    return article_cache.read(path, "yaml_folder", name, fingerprint)


def test_a_round_trip_is_exact(tmp_path: Path) -> None:
    written = Cached(part(), [1, 2**64 - 1, 0])
    article_cache.write(tmp_path / "a.articles", "yaml_folder", "news", "f1", written)
    back = read(tmp_path / "a.articles")
    assert back is not None
    assert back.part == written.part and list(back.digests) == list(written.digests)
    article = back.part.articles[0]
    assert article.published_date_time.tzinfo is UTC and article.related[0].provider


def test_other_content_or_another_source_is_a_silent_miss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "a.articles"
    article_cache.write(path, "yaml_folder", "news", "f1", Cached(part(), [1, 2, 3]))
    with caplog.at_level(logging.DEBUG, "newsgraph"):
        assert read(path, fingerprint="f2") is None
        assert read(path, name="other") is None
        assert read(tmp_path / "absent.articles") is None
    assert caplog.text == ""


def test_a_file_of_something_else_is_ignored_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "a.articles"
    path.write_bytes(b"\x00" * 64)
    assert read(path) is None
    assert "not a newsgraph articles cache" in caplog.text


def test_the_folder_keeps_the_most_recent_files(tmp_path: Path) -> None:
    small = Cached(SourceArticles([], [], [], 0), [])
    for n in range(article_cache.KEPT_FILES + 3):
        path = tmp_path / f"{n:02d}.articles"
        article_cache.write(path, "yaml_folder", "news", "f1", small)
        os.utime(path, (n, n))  # written in this order, whatever the clock's resolution
    kept = sorted(path.name for path in tmp_path.glob("*.articles"))
    assert len(kept) == article_cache.KEPT_FILES and kept[0] == "03.articles"
    (tmp_path / "other.cache").write_text("not ours")
    article_cache.write(tmp_path / "new.articles", "yaml_folder", "news", "f1", small)
    assert (tmp_path / "other.cache").exists()


def test_a_killed_writers_leftover_goes_and_a_writer_at_work_keeps_its_file(
    tmp_path: Path,
) -> None:
    leftover = tmp_path / ".a.articles.k1ll3d"
    writing = tmp_path / ".b.articles.wr1t1ng"
    for temporary in (leftover, writing):
        temporary.write_bytes(b"half a cache")
    old = time.time() - article_cache.LEFTOVER_SECONDS - 60
    os.utime(leftover, (old, old))
    small = Cached(SourceArticles([], [], [], 0), [])
    article_cache.write(tmp_path / "c.articles", "yaml_folder", "news", "f1", small)
    assert not leftover.exists() and writing.exists()
    assert read(tmp_path / "c.articles") is not None


def test_an_unwritable_folder_is_only_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    article_cache.write(
        blocked / "a.articles", "yaml_folder", "news", "f1", Cached(part(), [1, 2, 3])
    )
    assert "cannot write the articles cache" in caplog.text
