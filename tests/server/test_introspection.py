from __future__ import annotations

import pytest

from newsgraph.server.introspection import PROBLEMS_LISTED
from newsgraph.testing import SourceConfig, client, make_app
from tests.conftest import WriteTree


def many_records(count: int) -> str:
    """A YAML list of valid articles, each with an unreadable `quality`."""
    return "".join(
        f"- title: Story {n}\n  publishedDateTime: 2024-01-02\n"
        f"  webUrl: https://news.example.com/{n}\n  provider: {{name: P, domain: p.example}}\n"
        "  quality: high\n"
        for n in range(count)
    )


@pytest.mark.asyncio
async def test_sources_list_at_most_so_many_problems_of_each_kind(
    write_tree: WriteTree,
) -> None:
    root = write_tree({"many.yaml": many_records(PROBLEMS_LISTED + 1), "bad.md": "no front matter"})
    app = make_app(sources=[SourceConfig("yaml_folder", "news", {"path": str(root)})])
    async with client(app) as http:
        (source,) = (await http.get("/-/sources")).json()
        health = (await http.get("/healthz")).json()
    assert health["counts"]["visible"] == PROBLEMS_LISTED + 1
    assert (source["counts"]["problems"], source["error_count"], source["warning_count"]) == (
        PROBLEMS_LISTED + 2,
        1,
        PROBLEMS_LISTED + 1,
    )
    problems = source["problems"]
    assert problems["truncated"] is True
    assert len(problems["warnings"]) == PROBLEMS_LISTED
    assert problems["warnings"][1] == {
        "origin": str(root / "many.yaml"),
        "line": 10,
        "field": "quality",
        "message": "expected a whole number, got str 'high'; left out",
    }
    assert [p["origin"] for p in problems["errors"]] == [str(root / "bad.md")]
