from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schema.model import Article, Links, Provider, Topic, article_id
from server.catalog import (
    ArticleFilter,
    Catalog,
    CursorError,
    decode_cursor,
    encode_cursor,
    sort_key,
)

START = datetime(2024, 1, 1, tzinfo=UTC)


def make(
    n: int, *, topics: tuple[str, ...] = (), domain: str = "a.example", **kw: object
) -> Article:
    url = f"https://{domain}/{n}"
    fields: dict[str, object] = {
        "id": article_id(url),
        "title": f"Article {n}",
        "published_date_time": START + timedelta(hours=n),
        "links": Links(url, None),
        "provider": Provider(domain.upper(), domain),
        "topics": topics,
    }
    fields.update(kw)
    return Article(**fields)  # type: ignore[arg-type]


def corpus() -> list[Article]:
    articles = [
        make(
            n, topics=("AI",) if n % 2 else ("Space",), domain="a.example" if n % 3 else "b.example"
        )
        for n in range(30)
    ]
    articles.append(make(99, published=False, topics=("AI",)))
    articles.append(make(100, type="video", topics=("AI", "Robotics")))
    return articles


def titles(articles: list[Article]) -> list[str]:
    return [a.title for a in articles]


def test_newest_first_and_drafts_hidden() -> None:
    catalog = Catalog(corpus())
    assert len(catalog) == 31 and catalog.drafts == 1
    assert catalog.order[0].title == "Article 100"
    assert catalog.order[-1].title == "Article 0"
    assert catalog.article(article_id("https://a.example/99")) is None


def test_equal_timestamps_are_ordered_by_id() -> None:
    twins = [make(1, domain="x.example"), make(1, domain="y.example")]
    order = Catalog(twins).order
    assert [a.id for a in order] == sorted(a.id for a in twins)


def test_lookups() -> None:
    catalog = Catalog(corpus(), [Topic("ai", "AI", keywords=("ml",))])
    article = catalog.order[3]
    assert catalog.article(article.id) is article
    assert catalog.article_by_url(article.links.canonical + "  ") is article
    assert catalog.topic(name="ai") is catalog.topic(id="AI")
    entry = catalog.topic(name="robotics")
    assert entry is not None and not entry.topic.in_taxonomy and entry.topic.id == "robotics"
    provider = catalog.provider("B.example")
    assert provider is not None and len(provider.positions) == 10


@pytest.mark.parametrize(
    "where",
    [
        ArticleFilter(),
        ArticleFilter(topic="AI"),
        ArticleFilter(topic="space", provider="b.example"),
        ArticleFilter(provider="a.example", type="article"),
        ArticleFilter(type="video"),
        ArticleFilter(
            topic="ai", since=START + timedelta(hours=5), until=START + timedelta(hours=21)
        ),
        ArticleFilter(until=START + timedelta(hours=3)),
        ArticleFilter(topic="nothing"),
        ArticleFilter(provider="nowhere.example"),
    ],
)
def test_select_agrees_with_a_plain_scan(where: ArticleFilter) -> None:
    catalog = Catalog(corpus())

    def wanted(a: Article) -> bool:
        return (
            (where.topic is None or where.topic.casefold() in [t.casefold() for t in a.topics])
            and (where.provider is None or a.provider.domain == where.provider)
            and (where.type is None or a.type == where.type)
            and (where.since is None or a.published_date_time >= where.since)
            and (where.until is None or a.published_date_time <= where.until)
        )

    expected = [a for a in catalog.order if wanted(a)]
    selection = catalog.select(where)
    assert selection.count() == len(expected)

    walked: list[Article] = []
    after = None
    while True:
        page, more = selection.page(4, after)
        walked += page
        if not more:
            break
        after = sort_key(page[-1])
    assert titles(walked) == titles(expected)


def test_cursors_survive_a_reload_that_removes_their_article() -> None:
    articles = corpus()
    catalog = Catalog(articles)
    page, _ = catalog.select(ArticleFilter()).page(5)
    cursor = encode_cursor(sort_key(page[-1]))
    reloaded = Catalog([a for a in articles if a.id != page[-1].id])
    after, _ = reloaded.select(ArticleFilter()).page(2, decode_cursor(cursor))
    assert titles(after) == titles(catalog.select(ArticleFilter()).page(7)[0][5:])


@pytest.mark.parametrize("cursor", ["", "nonsense", "djF8", encode_cursor((0.0, "x"))[:-4]])
def test_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(cursor)
