"""The Every Day static JSON API, walked page by page over loopback."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from newsgraph.engine import normalise
from newsgraph.engine.ingest import Ingested, normalise_batches
from newsgraph.engine.model import Article
from newsgraph.engine.sources import Severity
from newsgraph.plugins.remote_feed.page import DocumentError
from newsgraph.plugins.remote_feed.static_api import following
from newsgraph.plugins.yaml_folder import YamlFolderSource
from tests.conftest import CORPUS
from tests.plugins.remote_feed.conftest import FeedServer, body, fixture, runtime, source, status


def item(n: int, **fields: object) -> dict[str, object]:
    return {
        "title": f"Story {n}",
        "webUrl": f"https://news.example.com/{n}",
        "publishedDateTime": f"2024-01-{n:02d}T08:00:00-07:00",
        "provider": {"name": "Example News", "domain": "example.com"},
        "content": "\r\n",
        **fields,
    }


def page(number: int, items: list[object], next_page: object) -> bytes:
    return json.dumps({"page": number, "value": items, "nextPage": next_page}).encode()


def serve_pages(server: FeedServer, *pages: bytes) -> str:
    for number, content in enumerate(pages, 1):
        server.route(f"/api/page/{number}/index.json", body(content, etag=f'"p{number}"'))
    return server.url("/api/page/1/index.json")


def ignoring_where(article: Article) -> Article:
    return replace(article, origin="", source="")


@dataclass(frozen=True)
class Folder:
    """The corpus's `_news/` folder read by the YAML-folder source: the article kept for each
    id, and every record's article (a URL filed twice has two)."""

    kept: dict[str, Article]
    every: dict[str, list[Article]]


@pytest.fixture(scope="module")
def folder() -> Folder:
    if not (CORPUS / "_news").is_dir():
        pytest.skip("../shared/corpus/everyday-powerapps is not present")
    batch = YamlFolderSource("news", {"path": str(CORPUS / "_news")}).load_now()
    every: dict[str, list[Article]] = {}
    for record in batch.articles:
        article, _ = normalise.article(record.data)
        assert article is not None
        every.setdefault(article.id, []).append(article)
    kept = {a.id: a for a in normalise_batches([("news", batch)]).articles}
    return Folder(kept, every)


async def walk(server: FeedServer, corpus: Path, start: str) -> Ingested:
    server.mount("/api/news/", corpus / "api" / "news")
    return await runtime(server.url(start)).load()


@pytest.mark.asyncio
async def test_the_corpus_api_gives_the_folders_published_articles(
    feed_server: FeedServer, corpus: Path, folder: Folder
) -> None:
    ingested = await walk(feed_server, corpus, "/api/news/index.json")
    catalog = ingested.catalog
    published = {id: a for id, a in folder.kept.items() if a.published}
    # 428 records on 18 pages; the API lists three published URLs twice.
    assert ingested.records == 428
    assert ingested.errors == []
    duplicates = [p for p in ingested.problems if "same canonical URL" in p.message]
    assert len(duplicates) == 3 and all(p.severity is Severity.WARNING for p in duplicates)
    assert len(catalog) == len(published) == 425 and catalog.drafts == 0
    assert {a.id for a in catalog.order} == set(published)
    for article in catalog.order:
        # The API does not publish `quality`; every other field is the folder's.
        expected = replace(ignoring_where(published[article.id]), quality=None)
        assert ignoring_where(article) == expected
    assert catalog.order[0].origin == feed_server.url("/api/news/index.json#value[0]")


@pytest.mark.asyncio
async def test_the_legacy_pages_give_the_same_stories(
    feed_server: FeedServer, corpus: Path, folder: Folder
) -> None:
    ingested = await walk(feed_server, corpus, "/api/news/page1/index.json")
    assert (ingested.records, ingested.errors) == (130, [])
    for article in ingested.catalog.order:
        # `-07:00` offsets are the same instants as the folder's UTC times; `content: "\r\n"`
        # is dropped. These older pages may list the other record of a URL filed twice.
        versions = [replace(ignoring_where(a), quality=None) for a in folder.every[article.id]]
        assert ignoring_where(article) in versions


@pytest.mark.parametrize(
    ("next_page", "url", "expected"),
    [
        (2, "https://e.com/api/news/page/1/index.json", "https://e.com/api/news/page/2/index.json"),
        (
            "3",
            "https://e.com/api/news/page/2/index.json",
            "https://e.com/api/news/page/3/index.json",
        ),
        (2, "https://e.com/api/news/index.json", "https://e.com/api/news/page/2/index.json"),
        (2, "https://e.com/api/news/", "https://e.com/api/news/page/2/"),
        (2, "https://e.com/api/news/page1/index.json", "https://e.com/api/news/page2/index.json"),
        (10, "https://e.com/page/9/index.json?key=k#top", "https://e.com/page/10/index.json?key=k"),
        ("page/2/", "https://e.com/api/news/", "https://e.com/api/news/page/2/"),
        ("https://cdn.e.com/p2.json", "https://e.com/p1.json", "https://cdn.e.com/p2.json"),
        (None, "https://e.com/api/news/index.json", None),
    ],
)
def test_next_page_as_a_number_text_or_url(next_page: object, url: str, expected: str) -> None:
    assert following(next_page, url) == expected


@pytest.mark.parametrize("next_page", [0, -1, True, 2.5, "", {"page": 2}, [2]])
def test_a_bad_next_page_is_a_document_error(next_page: object) -> None:
    with pytest.raises(DocumentError) as refused:
        following(next_page, "https://e.com/api/page/1/index.json")
    assert str(refused.value) == (
        "https://e.com/api/page/1/index.json: nextPage: expected a page number, a URL or null, "
        f"got {next_page!r}"
    )


@pytest.mark.asyncio
async def test_a_bad_item_is_a_problem_and_the_others_load(feed_server: FeedServer) -> None:
    start = serve_pages(
        feed_server,
        page(1, [item(1), item(2)], 2),
        page(2, [item(3), "not an item", item(4, title=2021)], None),
    )
    rt = runtime(start)
    ingested = await rt.load()
    assert sorted(a.title for a in ingested.catalog.order) == ["Story 1", "Story 2", "Story 3"]
    second = feed_server.url("/api/page/2/index.json")
    assert [str(p) for p in ingested.errors] == [
        f"{second}#value[1]: error: expected an object, got string",
        # JSON has no quoting mistake to explain: no YAML advice.
        f"{second}#value[2]: error: title: expected text, got int 2021",
    ]


@pytest.mark.asyncio
async def test_a_failure_on_page_three_fails_the_whole_load(feed_server: FeedServer) -> None:
    start = serve_pages(
        feed_server,
        page(1, [item(1)], 2),
        page(2, [item(2)], 3),
        page(3, [item(3)], None),
    )
    third = feed_server.url("/api/page/3/index.json")
    feed_server.route("/api/page/1/index.json", body(page(1, [item(1), item(5)], 2)))
    feed_server.route("/api/page/3/index.json", body(page(3, [item(3)], None)), status(500))
    rt = runtime(start)
    await rt.load()
    before = rt.catalog
    await rt.load()
    state = rt.states["feed"]
    assert state.status == "failing"
    assert state.last_error == f"FetchError: {third}: HTTP 500 Internal Server Error (no retries)"
    assert rt.catalog is before, "never half a catalog: pages 1 and 2 are not swapped in alone"
    assert state.details["pages"] == 3 and state.details["last_status"] == 500


@pytest.mark.asyncio
async def test_unchanged_pages_are_not_read_again(feed_server: FeedServer) -> None:
    start = serve_pages(feed_server, page(1, [item(1)], 2), page(2, [item(2)], None))
    feed = source(start)
    first = await feed.load()
    assert await feed.load() is first
    assert [h.get("if-none-match") for h in feed_server.seen("/api/page/2/index.json")] == [
        None,
        '"p2"',
    ]
    feed_server.route("/api/page/2/index.json", body(page(2, [item(2), item(3)], None)))
    third = await feed.load()
    assert third is not first and len(third.articles) == 3
    assert third.articles[0] is first.articles[0], "page 1 (304) is reused, not read again"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("second", "message"),
    [
        (page(2, [item(2)], 1), "/api/page/1/index.json: nextPage leads back to this page"),
        (
            fixture("feed.json"),
            "/api/page/2/index.json: expected static_api, but the document is json_feed",
        ),
    ],
)
async def test_a_walk_that_goes_wrong_is_refused(
    feed_server: FeedServer, second: bytes, message: str
) -> None:
    start = serve_pages(feed_server, page(1, [item(1)], 2), second)
    with pytest.raises(DocumentError) as refused:
        await source(start).load()
    assert str(refused.value).startswith(feed_server.url(message))


@pytest.mark.asyncio
async def test_max_pages(feed_server: FeedServer) -> None:
    start = serve_pages(
        feed_server, page(1, [item(1)], 2), page(2, [item(2)], 3), page(3, [], None)
    )
    await source(start, max_pages=3).load()
    with pytest.raises(DocumentError) as refused:
        await source(start, max_pages=2).load()
    assert str(refused.value) == (
        f"{start}: more than max_pages (2) pages; raise max_pages to read them all"
    )


@pytest.mark.asyncio
async def test_the_provider_option_fills_in_a_missing_provider(feed_server: FeedServer) -> None:
    start = serve_pages(feed_server, page(1, [item(1, provider=None), item(2)], None))
    batch = await source(start, provider={"name": "Wire", "domain": "wire.example.org"}).load()
    assert [r.data["provider"] for r in batch.articles] == [
        {"name": "Wire", "domain": "wire.example.org"},
        {"name": "Example News", "domain": "example.com"},
    ]
