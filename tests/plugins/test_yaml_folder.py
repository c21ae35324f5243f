from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from newsgraph.engine.ingest import Ingested, build_catalog
from newsgraph.engine.sources import Severity
from newsgraph.plugins.yaml_folder import YamlFolderSource
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS, WriteTree, front_matter


def load(root: object) -> Ingested:
    runtime = Runtime(Config(sources=folder_sources([str(root)])))
    return asyncio.run(runtime.load())


def test_seeds_load_without_problems() -> None:
    ingested = load(SEEDS)
    assert ingested.problems == ()
    assert len(ingested.catalog) >= 40
    assert len(ingested.catalog.topics()) >= 6
    assert len(ingested.catalog.providers()) >= 6
    assert ingested.catalog.drafts >= 1


BAD_FILES: dict[str, tuple[str | bytes, int | None, str | None, str]] = {
    # name: (content, expected line, expected field, a phrase the message must contain)
    "unclosed.md": (
        "---\ntitle: Never closed\npublishedDateTime: 2024-01-01\n",
        1,
        None,
        "not closed",
    ),
    "tabs.md": ("---\ntitle: Tabs\nprovider:\n\tname: X\n---\n", 4, None, "invalid YAML"),
    "impossible-date.md": (
        front_matter(publishedDateTime="2021-13-45T00:00:00Z"),
        3,
        "publishedDateTime",
        "month must be in 1..12",
    ),
    "python-tag.md": (
        front_matter(title="!!python/object/apply:os.system ['echo pwned']"),
        2,
        None,
        "python/object/apply",
    ),
    "list-front-matter.md": ("---\n- title: a\n- title: b\n---\n", 2, None, "one mapping"),
    "title-int.md": (front_matter(title="2021"), 2, "title", "got int 2021"),
    "title-bool.md": (front_matter(title="No"), 2, "title", "got boolean False"),
    "no-title.md": (front_matter(title=None), 2, "title", "is required"),
    "bad-utf8.md": (front_matter().encode() + b"\xff\xfe", 11, None, "not valid UTF-8"),
    "empty.md": ("", None, None, "file is empty"),
    "huge.md": (front_matter(excerpt='"' + "x" * (5 * 1024 * 1024) + '"'), None, None, "limit"),
    "no-front-matter.md": ("Just prose, no front matter.\n", 1, None, "no front matter"),
    "scalar.yaml": ("just a string\n", 1, None, "expected a mapping"),
    "list-of-scalars.yaml": ("- one\n- two\n", 1, None, "list items must be mappings"),
    "no-url.md": (
        front_matter(webUrl=None),
        2,
        "webUrl",
        "needs a webUrl or an originalUrl",
    ),
    "relative-url.md": (front_matter(webUrl='"/news/x"'), 4, "webUrl", "no base_url option"),
    "mailto-url.md": (front_matter(webUrl='"mailto:desk@example.com"'), 4, "webUrl", "http(s)"),
    "blank-title.md": (front_matter(title='"  "'), 2, "title", "is empty"),
    "bad-date-text.md": (
        front_matter(publishedDateTime='"last Tuesday"'),
        3,
        "publishedDateTime",
        "ISO 8601",
    ),
}


@pytest.fixture
def bad_folder(write_tree: WriteTree) -> Ingested:
    files: dict[str, str | bytes] = {name: body for name, (body, *_) in BAD_FILES.items()}
    files["good/one.md"] = front_matter(webUrl='"https://news.example.com/one"')
    files["good/two.md"] = front_matter(webUrl='"https://news.example.com/two"')
    files["good/README.md"] = "# Not content\n"
    files["good/.keep"] = ""
    files["good/many.yaml"] = (
        "- title: From a list\n  publishedDateTime: 2024-02-01\n"
        "  webUrl: https://news.example.com/list-1\n  provider: {name: P, domain: p.example}\n"
        "- title: Also from a list\n  publishedDateTime: 2024-02-02\n"
        "  webUrl: https://news.example.com/list-2\n  provider: {name: P, domain: p.example}\n"
    )
    return load(write_tree(files))


def test_bad_input_suite_covers_at_least_fifteen_files() -> None:
    assert len(BAD_FILES) >= 15


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_is_reported_precisely(bad_folder: Ingested, name: str) -> None:
    _, line, field, phrase = BAD_FILES[name]
    found = [p for p in bad_folder.errors if p.origin.endswith("/" + name)]
    assert len(found) == 1, [str(p) for p in bad_folder.errors]
    problem = found[0]
    assert phrase in problem.message
    assert problem.line == line
    assert problem.field == field
    assert str(problem).startswith(problem.origin)


def test_valid_files_beside_bad_ones_still_load(bad_folder: Ingested) -> None:
    titles = sorted(a.title for a in bad_folder.catalog.order)
    assert titles == ["A valid article", "A valid article", "Also from a list", "From a list"]
    assert len(bad_folder.errors) == len(BAD_FILES)


def test_python_tags_are_never_executed(write_tree: WriteTree, tmp_path: object) -> None:
    marker = write_tree({}).parent / "pwned"
    body = front_matter(title=f"!!python/object/apply:pathlib.Path.touch ['{marker}']")
    ingested = load(write_tree({"evil.md": body}))
    assert not marker.exists()
    assert "could not determine a constructor" in ingested.errors[0].message


def test_one_url_under_two_file_names_is_one_article(write_tree: WriteTree) -> None:
    url = '"https://news.example.com/same"'
    root = write_tree(
        {
            "a.md": front_matter(webUrl=url, title='"Older"', publishedDateTime="2024-01-01"),
            "b.md": front_matter(webUrl=url, title='"Newer"', publishedDateTime="2024-01-05"),
            "c.md": front_matter(
                webUrl=url, title='"Draft"', publishedDateTime="2024-02-01", published="false"
            ),
        }
    )
    ingested = load(root)
    assert [a.title for a in ingested.catalog.order] == ["Newer"]
    assert ingested.catalog.drafts == 0
    warnings = [p for p in ingested.problems if p.severity is Severity.WARNING]
    assert sorted(p.origin.rsplit("/", 1)[1] for p in warnings) == ["a.md", "c.md"]
    assert all("b.md, which is kept" in p.message for p in warnings)
    assert ingested.errors == []


def test_yaml_files_and_taxonomy(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "_data/topics/ai.yaml": "taxonomy: topic\n_id: ai\nname: AI\nkeywords: [ml]\n",
            "_data/topics/cv.yaml": "_id: computer-vision\nname: Computer Vision\nparent: AI\n",
            "_data/organizations/x.md": "---\ntaxonomy: organization\nname: X\ndomain: x.com\n---\n",
            "_data/people/ada.md": "---\ntaxonomy: person\n_id: ada\nname: Ada\n---\n",
            "a.md": front_matter(topics="\n  - Computer Vision\n  - Unlisted"),
        }
    )
    ingested = load(root)
    assert ingested.problems == ()
    topics = {entry.topic.id: entry for entry in ingested.catalog.topics()}
    assert set(topics) == {"ai", "computer-vision", "unlisted"}
    assert topics["computer-vision"].topic.parent == "AI"
    assert topics["ai"].topic.keywords == ("ml",)
    assert not topics["unlisted"].topic.in_taxonomy
    assert len(topics["computer-vision"].positions) == 1


def test_organization_profiles_give_logos_to_providers_without_any(
    write_tree: WriteTree,
) -> None:
    logo = "\n  - url: /assets/x.com-50x50.jpg\n    width: 50\n    height: 50"
    root = write_tree(
        {
            "_data/organizations/x.com.md": "---\ntaxonomy: organization\n_id: x.com\n"
            f"name: X News\ndomain: X.com\nimages:{logo}\n---\n",
            "_data/organizations/broken.md": "---\ntaxonomy: organization\nname: Y\n---\n",
            "_news/a.md": front_matter(provider="\n  name: X\n  domain: x.com"),
            "_news/b.md": front_matter(
                webUrl='"https://news.example.com/b"',
                provider='\n  name: X\n  domain: x.com\n  images:\n    - url: "https://x.com/own.png"',
            ),
            "_news/c.md": front_matter(webUrl='"https://news.example.com/c"'),
        }
    )
    source = YamlFolderSource("site", {"path": str(root), "base_url": "https://site.example/s"})
    ingested = build_catalog([("site", source.load_now())])
    by_url = {a.links.canonical: a for a in ingested.catalog.order}
    a = by_url["https://news.example.com/valid"]
    assert a.provider.name == "X"  # the record's name stands; only the logo is the profile's
    assert [i.url for i in a.provider.images] == ["https://site.example/s/assets/x.com-50x50.jpg"]
    assert a.provider.images[0].width == 50
    assert [i.url for i in by_url["https://news.example.com/b"].provider.images] == [
        "https://x.com/own.png"
    ]
    assert by_url["https://news.example.com/c"].provider.images == ()
    (problem,) = ingested.problems
    assert problem.origin.endswith("broken.md") and problem.field == "domain"
    assert "is required" in problem.message


def test_missing_folder_is_a_problem_not_a_crash(tmp_path: object) -> None:
    ingested = load(f"{tmp_path}/absent")
    assert "not a folder" in ingested.errors[0].message


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="path: required"):
        YamlFolderSource("x", {})
    with pytest.raises(ValueError, match="colour: unknown option"):
        YamlFolderSource("x", {"path": ".", "colour": "red"})
    with pytest.raises(ValueError, match="max_file_bytes"):
        YamlFolderSource("x", {"path": ".", "max_file_bytes": True})


def test_build_catalog_of_nothing_is_empty() -> None:
    assert len(build_catalog([]).catalog) == 0


def test_links_are_followed_inside_the_folder_only(write_tree: WriteTree, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(front_matter(title='"Outside"'), "utf-8")
    root = write_tree(
        {
            "kept.md": front_matter(),
            "nested/target.txt": front_matter(
                title='"Linked"', webUrl='"https://news.example.com/linked"'
            ),
        }
    )
    (root / "inner-link.md").symlink_to(root / "nested" / "target.txt")  # not content itself
    (root / "outer-link.md").symlink_to(outside)
    ingested = load(root)
    titles = sorted(article.title for article in ingested.catalog.order)
    assert "Outside" not in titles and {"A valid article", "Linked"} <= set(titles)
    assert [str(p) for p in ingested.problems if "outer-link.md" in p.origin] == [
        f"{root / 'outer-link.md'}: error: cannot read: a link to a file outside the folder is not followed"
    ]
    assert not any("inner-link.md" in p.origin for p in ingested.problems)
