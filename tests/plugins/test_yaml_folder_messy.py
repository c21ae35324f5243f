"""Messy real-world records in a folder: each problem loses its part, never the article."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsgraph.testing import SourceConfig, client, make_app
from tests.conftest import WriteTree, front_matter

SITE = "https://news.example.org/site"
LOGO = "/assets/images/organizations/example.com-50x50.jpg"

MESSY = {
    "relative-logo.md": front_matter(
        title='"Relative logo"',
        webUrl='"https://news.example.com/relative-logo"',
        provider=f"\n  name: Example\n  domain: example.com\n  images:\n    - url: {LOGO}\n"
        "      width: 50\n      height: 50",
    ),
    "broken-image.md": front_matter(
        title='"Broken image"',
        webUrl='"https://news.example.com/broken-image"',
        images="\n  - url: https://img.example.com/1.jpg\n  - url: ftp://img.example.com/2.jpg"
        "\n  - url: https://img.example.com/3.jpg",
    ),
    "broken-related.md": front_matter(
        title='"Broken related story"',
        webUrl='"https://news.example.com/broken-related"',
        related="\n  - title: First\n    webUrl: https://other.example.com/1\n  - title: No URL"
        "\n  - title: Third\n    webUrl: https://other.example.com/3",
    ),
    "bad-scalar.md": front_matter(
        title='"Bad scalar"',
        webUrl='"https://news.example.com/bad-scalar"',
        quality='"high"',
        heat="12",
    ),
    "three-problems.md": front_matter(
        title='"Three problems"',
        webUrl='"https://news.example.com/three-problems"',
        quality='"high"',
        topics="AI",
        images="\n  - width: 10",
    ),
}

QUERY = """{
  articles(first: 20) {
    edges { node {
      title url quality heat topics { name }
      provider { name images { url width } }
      images { url }
      related { title }
    } }
  }
}"""


Located = tuple[str, str, int, str]


async def load(root: Path, **options: object) -> tuple[dict[str, Any], list[Located]]:
    """Serve the folder; return each article by title, and the source's problems as
    (severity, file, line, field), listed by `/-/sources`."""
    app = make_app(sources=[SourceConfig("yaml_folder", "news", {"path": str(root), **options})])
    async with client(app) as http:
        answer = (await http.post("/graphql", json={"query": QUERY})).json()
        (source,) = (await http.get("/-/sources")).json()
    assert "errors" not in answer, answer
    nodes = [edge["node"] for edge in answer["data"]["articles"]["edges"]]
    problems = [
        (severity, Path(p["origin"]).name, p["line"], p["field"])
        for severity in ("errors", "warnings")
        for p in source["problems"][severity]
    ]
    assert source["counts"]["problems"] == len(problems)
    return {node["title"]: node for node in nodes}, problems


@pytest.mark.asyncio
async def test_every_article_stays_and_exactly_the_broken_parts_are_dropped(
    write_tree: WriteTree,
) -> None:
    articles, problems = await load(write_tree(MESSY))
    assert sorted(articles) == [
        "Bad scalar",
        "Broken image",
        "Broken related story",
        "Relative logo",
        "Three problems",
    ]
    assert articles["Relative logo"]["provider"] == {"name": "Example", "images": []}
    assert [i["url"] for i in articles["Broken image"]["images"]] == [
        "https://img.example.com/1.jpg",
        "https://img.example.com/3.jpg",
    ]
    assert [r["title"] for r in articles["Broken related story"]["related"]] == ["First", "Third"]
    assert (articles["Bad scalar"]["quality"], articles["Bad scalar"]["heat"]) == (None, 12)
    three = articles["Three problems"]
    assert (three["quality"], three["topics"], three["images"]) == (None, [], [])
    # One warning per dropped part, at its own line, and no errors.
    assert problems == [
        ("warnings", "bad-scalar.md", 10, "quality"),
        ("warnings", "broken-image.md", 12, "images[1].url"),
        ("warnings", "broken-related.md", 13, "related[1].webUrl"),
        ("warnings", "relative-logo.md", 9, "provider.images[0].url"),
        ("warnings", "three-problems.md", 8, "topics"),
        ("warnings", "three-problems.md", 9, "quality"),
        ("warnings", "three-problems.md", 11, "images[0].url"),
    ]


@pytest.mark.asyncio
async def test_a_base_url_resolves_the_relative_logo(write_tree: WriteTree) -> None:
    root = write_tree({"relative-logo.md": MESSY["relative-logo.md"]})
    articles, problems = await load(root, base_url=SITE)
    assert articles["Relative logo"]["provider"]["images"] == [
        {"url": f"{SITE}{LOGO}", "width": 50}
    ]
    assert f"{SITE}{LOGO}" == (
        "https://news.example.org/site/assets/images/organizations/example.com-50x50.jpg"
    )
    assert problems == []


@pytest.mark.asyncio
async def test_a_base_url_resolves_relative_article_urls(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "a.md": front_matter(
                title="A", webUrl='"/2024/01/a.html"', images="\n  - url: img/a.jpg"
            ),
            "b.md": front_matter(title="B", webUrl='"/2024/01/b.html"'),
        }
    )
    without, problems = await load(root)
    # The canonical URL is what identifies an article: without a base URL, both are rejected.
    assert without == {}
    assert problems == [
        ("errors", "a.md", 4, "webUrl"),
        ("errors", "b.md", 4, "webUrl"),
        ("warnings", "a.md", 11, "images[0].url"),
    ]
    articles, problems = await load(root, base_url=SITE + "/")
    assert problems == []
    assert [(articles[t]["url"], articles[t]["images"]) for t in ("A", "B")] == [
        (f"{SITE}/2024/01/a.html", [{"url": f"{SITE}/img/a.jpg"}]),
        (f"{SITE}/2024/01/b.html", []),
    ]
