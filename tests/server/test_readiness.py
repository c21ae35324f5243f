"""`/healthz`, `/readyz`, `/-/sources`, `newsgraph sources` and `validate`: one set of counts
that add up, and readiness that says why not."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from newsgraph.server.cli import main
from newsgraph.server.config import SourceConfig
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS, WriteTree, front_matter

COUNTS = ("records_read", "articles", "visible", "drafts", "duplicates", "problems")


def folder(path: Path | str, name: str = "content") -> SourceConfig:
    return SourceConfig("yaml_folder", name, {"path": str(path)})


def broken_folder(write_tree: WriteTree) -> Path:
    """Six article records: two served (one a draft), one a duplicate of another, three
    refused; and two files that cannot be read at all."""
    return write_tree(
        {
            "good.md": front_matter(),
            "draft.md": front_matter(webUrl='"https://news.example.com/draft"', published="false"),
            "copy.md": front_matter(publishedDateTime="2020-01-01T00:00:00Z"),
            "bad-title.md": front_matter(title="2024", webUrl='"https://news.example.com/t"'),
            "no-url.md": front_matter(webUrl=None),
            "no-date.md": front_matter(publishedDateTime=None, webUrl='"https://n.example/d"'),
            "unclosed.md": "---\ntitle: Never closed\n",
            "tabs.md": "---\ntitle: Tabs\nprovider:\n\tname: X\n---\n",
        }
    )


def adds_up(counts: dict[str, object]) -> None:
    records, articles, visible, drafts, duplicates, problems = (counts[k] for k in COUNTS)
    assert isinstance(records, int) and isinstance(articles, int) and isinstance(problems, int)
    assert articles == visible + drafts + duplicates  # type: ignore[operator]
    assert problems >= records - articles, "every refused record is a problem"


@pytest.mark.asyncio
async def test_counts_of_a_broken_folder_add_up_in_every_view(write_tree: WriteTree) -> None:
    app = make_app(sources=[folder(broken_folder(write_tree))])
    async with client(app) as http:
        (source,) = (await http.get("/-/sources")).json()
        health = (await http.get("/healthz")).json()
        answer = await http.post("/graphql", json={"query": "{ articles { totalCount } }"})
    assert health["status"] == "ok"
    listed = source["error_count"] + source["warning_count"]
    source, health = source["counts"], health["counts"]
    assert listed == source["problems"], "the problems listed are the problems counted"
    expected = {
        "records_read": 6,
        "articles": 3,
        "visible": 1,
        "drafts": 1,
        "duplicates": 1,
        "problems": 6,  # three refused records, two unreadable files, one duplicate
    }
    assert {k: source[k] for k in COUNTS} == expected
    assert {k: health[k] for k in COUNTS} == expected
    assert answer.json()["data"]["articles"]["totalCount"] == health["visible"]
    adds_up(source)


@pytest.mark.asyncio
async def test_seed_counts_agree_between_healthz_and_sources() -> None:
    app = make_app(sources=[folder(SEEDS, "seeds")])
    async with client(app) as http:
        (source,) = (await http.get("/-/sources")).json()
        health = (await http.get("/healthz")).json()["counts"]
    assert source["counts"] == health
    assert (health["records_read"], health["visible"], health["drafts"]) == (47, 43, 4)
    adds_up(health)


@pytest.mark.asyncio
async def test_readyz_passes_once_every_source_has_loaded_articles() -> None:
    app = make_app(sources=[folder(SEEDS, "seeds")])
    async with client(app) as http:
        response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready" and response.json()["reasons"] == []


@pytest.mark.asyncio
async def test_readyz_fails_once_the_server_is_stopping() -> None:
    # What `newsgraph serve` sets on SIGTERM (tests/e2e/test_health_port.py sends it).
    app = make_app(sources=[folder(SEEDS, "seeds")])
    async with client(app) as http:
        app.state.runtime.stopping = True
        ready = await http.get("/readyz")
        alive = await http.get("/healthz")
    assert ready.status_code == 503
    assert ready.json()["reasons"] == ["the server is shutting down"]
    assert alive.status_code == 200


@pytest.mark.asyncio
async def test_readyz_fails_before_content_has_loaded() -> None:
    app = make_app(sources=[folder(SEEDS, "seeds")])
    # No lifespan: the app answers, but nothing has loaded.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://newsgraph") as http:
        ready = await http.get("/readyz")
        alive = await http.get("/healthz")
    assert ready.status_code == 503
    assert ready.json()["reasons"] == ["content has not loaded yet"]
    assert alive.status_code == 200


@pytest.mark.asyncio
async def test_readyz_names_a_source_that_never_loaded(tmp_path: Path) -> None:
    app = make_app(sources=[folder(SEEDS, "seeds"), folder(tmp_path / "absent", "missing")])
    async with client(app) as http:
        response = await http.get("/readyz")
        health = await http.get("/healthz")
    assert response.status_code == 503
    (reason,) = response.json()["reasons"]
    assert reason.startswith("source 'missing' has never loaded: NotADirectoryError: ")
    assert health.status_code == 200, "liveness does not depend on content"


@pytest.mark.asyncio
async def test_readyz_fails_on_an_empty_catalog_unless_told_not_to(tmp_path: Path) -> None:
    empty = folder(tmp_path)
    async with client(make_app(sources=[empty])) as http:
        strict = await http.get("/readyz")
    async with client(make_app(sources=[empty], ready_when_empty=True)) as http:
        lenient = await http.get("/readyz")
    assert strict.status_code == 503
    assert strict.json()["reasons"] == [
        "no article is visible (set server.ready_when_empty to accept that)"
    ]
    assert lenient.status_code == 200


def test_sources_command_exits_one_for_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sources", str(tmp_path / "absent")]) == 1
    out = capsys.readouterr().out
    assert "failing" in out and "is not a folder" in out
    assert all(word in out for word in COUNTS)


def test_validate_summary_uses_the_same_words(
    write_tree: WriteTree, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(broken_folder(write_tree))]) == 1
    summary = capsys.readouterr().out.splitlines()[-1]
    assert summary.startswith("6 records read, 3 articles: 1 visible, 1 drafts, 1 duplicates; ")
    assert summary.endswith("6 problems (5 errors, 1 warnings)")
