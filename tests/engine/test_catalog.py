from __future__ import annotations

import base64
import itertools
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgraph.engine.catalog import Catalog, SearchUnavailable
from newsgraph.engine.model import Article, Links, Provider, Topic, article_id
from newsgraph.engine.selection import (
    ArticleFilter,
    CursorError,
    Order,
    Selection,
    SortField,
    Visibility,
    encode_cursor,
)

START = datetime(2024, 1, 1, tzinfo=UTC)
TAXONOMY = [
    Topic("ai", "AI"),
    Topic("vision", "Vision", parent="AI"),
    Topic("robots", "Robots", parent="ai"),
    Topic("drones", "Drones", parent="Robots"),
    Topic("space", "Space"),
]


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


def varied(count: int = 120, seed: int = 7) -> list[Article]:
    """Articles with every filterable field varied, equal timestamps and titles included."""
    rng = random.Random(seed)
    names = ["AI", "Vision", "Robots", "Drones", "Space", "TensorFlow"]
    articles = []
    for n in range(count):
        amp = f"https://amp.example/{n}" if rng.random() < 0.4 else None
        articles.append(
            make(
                n,
                domain=rng.choice(["a.example", "b.example", "c.example"]),
                topics=tuple(rng.sample(names, rng.randint(0, 3))),
                title=rng.choice(["Alpha", "beta", "Gamma", "Éclair", "alpha two", "Beta"]),
                published_date_time=START + timedelta(hours=rng.randint(0, 40)),
                type=rng.choice(["article", "article", "video"]),
                quality=rng.choice([None, 1, 2, 3, 4, 5]),
                heat=rng.choice([None, 0, 10, 50, 99]),
                published=rng.random() > 0.1,
                links=Links(f"https://x.example/{n}", None, amp_web_url=amp),
            )
        )
    return articles


def titles(articles: list[Article]) -> list[str]:
    return [a.title for a in articles]


def test_newest_first_and_drafts_hidden() -> None:
    catalog = Catalog(corpus())
    assert len(catalog) == 31 and catalog.drafts == 1
    assert catalog.order[0].title == "Article 100"
    assert catalog.order[-1].title == "Article 0"
    assert catalog.article(article_id("https://a.example/99")) is None


def test_a_preview_catalog_holds_drafts_but_lists_them_only_when_asked() -> None:
    catalog = Catalog(corpus(), preview=True)
    draft = catalog.article(article_id("https://a.example/99"))
    assert draft is not None and not draft.published
    assert draft not in list(catalog.select(ArticleFilter()))
    assert list(catalog.select(ArticleFilter(visibility=Visibility.DRAFT))) == [draft]
    assert catalog.select(ArticleFilter(visibility=Visibility.ALL)).count() == 32


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


def test_topic_tree() -> None:
    catalog = Catalog(varied(), TAXONOMY)
    ai = catalog.topic(name="AI")
    drones = catalog.topic(id="drones")
    assert ai is not None and drones is not None
    assert [c.topic.name for c in catalog.children(ai)] == ["Robots", "Vision"]
    robots = catalog.parent(drones)
    assert robots is not None and robots.topic.name == "Robots"
    assert catalog.parent(robots) is ai and catalog.parent(ai) is None
    tensorflow = catalog.topic(name="tensorflow")
    assert tensorflow is not None and not tensorflow.topic.in_taxonomy


# The oracle: a plain scan and Python's stable sort, one pass per key, least significant first.
def matches(a: Article, where: ArticleFilter, family: dict[str, set[str]]) -> bool:
    def names(given: tuple[str, ...]) -> set[str]:
        wanted: set[str] = set()
        for name in given:
            wanted |= family[name.casefold()] if where.include_subtopics else {name.casefold()}
        return wanted

    mine = {t.casefold() for t in a.topics}
    low_q, high_q = where.quality
    low_h, high_h = where.heat
    return (
        (a.published if where.visibility is Visibility.PUBLISHED else True)
        and all(mine & names((t,)) for t in where.topics_all)
        and (not where.topics_any or bool(mine & names(where.topics_any)))
        and not (mine & names(where.topics_none))
        and (where.providers is None or a.provider.domain in where.providers)
        and (where.types is None or a.type in where.types)
        and (where.since is None or a.published_date_time >= where.since)
        and (where.until is None or a.published_date_time <= where.until)
        and (low_q is None or (a.quality is not None and a.quality >= low_q))
        and (high_q is None or (a.quality is not None and a.quality <= high_q))
        and (low_h is None or (a.heat is not None and a.heat >= low_h))
        and (high_h is None or (a.heat is not None and a.heat <= high_h))
        and (where.has_amp is None or (a.links.amp_web_url is not None) == where.has_amp)
    )


def oracle(articles: list[Article], where: ArticleFilter, orders: list[Order]) -> list[Article]:
    family = {
        "ai": {"ai", "vision", "robots", "drones"},
        "robots": {"robots", "drones"},
        "vision": {"vision"},
        "drones": {"drones"},
        "space": {"space"},
        "tensorflow": {"tensorflow"},
    }
    found = [a for a in articles if matches(a, where, family)]
    found.sort(key=lambda a: a.id)
    keys = list(orders)
    if not any(o.field is SortField.PUBLISHED_DATE_TIME for o in keys):
        keys.append(Order(SortField.PUBLISHED_DATE_TIME))
    for order in reversed(keys):
        attribute = {
            SortField.PUBLISHED_DATE_TIME: lambda a: a.published_date_time,
            SortField.QUALITY: lambda a: a.quality,
            SortField.HEAT: lambda a: a.heat,
            SortField.TITLE: lambda a: a.title.casefold(),
        }[order.field]
        present = [a for a in found if attribute(a) is not None]
        missing = [a for a in found if attribute(a) is None]
        present.sort(key=attribute, reverse=order.descending)
        found = present + missing
    return found


FILTERS = [
    ArticleFilter(),
    ArticleFilter(topics_all=("AI",)),
    ArticleFilter(topics_all=("ai",), include_subtopics=True),
    ArticleFilter(topics_all=("AI", "space")),
    ArticleFilter(topics_any=("Vision", "drones")),
    ArticleFilter(topics_any=("robots",), include_subtopics=True, topics_none=("Space",)),
    ArticleFilter(topics_none=("AI",), include_subtopics=True),
    ArticleFilter(topics_all=("TensorFlow",), providers=("b.example",)),
    ArticleFilter(providers=("a.example", "c.example"), types=("video",)),
    ArticleFilter(providers=()),
    ArticleFilter(types=("article",), quality=(3, None)),
    ArticleFilter(quality=(2, 4), heat=(None, 50)),
    ArticleFilter(has_amp=True, since=START + timedelta(hours=10)),
    ArticleFilter(has_amp=False, until=START + timedelta(hours=20)),
    ArticleFilter(since=START + timedelta(hours=5), until=START + timedelta(hours=5)),
    ArticleFilter(since=START + timedelta(hours=30), until=START + timedelta(hours=5)),
    ArticleFilter(topics_all=("nothing",)),
    ArticleFilter(visibility=Visibility.ALL, heat=(10, None)),
]
ORDERS = [
    [],
    [Order(SortField.PUBLISHED_DATE_TIME, descending=False)],
    [Order(SortField.QUALITY)],
    [Order(SortField.HEAT, descending=False), Order(SortField.TITLE)],
    [Order(SortField.TITLE, descending=False), Order(SortField.QUALITY, descending=False)],
    [Order(SortField.TITLE), Order(SortField.PUBLISHED_DATE_TIME, descending=False)],
]


def walk_forward(selection: Selection, size: int) -> list[Article]:
    walked: list[Article] = []
    after = None
    while True:
        page = selection.page(first=size, after=after)
        walked += page.articles
        assert page.has_previous == (after is not None and bool(walked[: -len(page.articles)]))
        if not page.has_next:
            return walked
        after = selection.cursor(page.articles[-1])


def walk_backward(selection: Selection, size: int) -> list[Article]:
    walked: list[Article] = []
    before = None
    while True:
        page = selection.page(last=size, before=before)
        walked = page.articles + walked
        if not page.has_previous:
            return walked
        before = selection.cursor(page.articles[0])


@pytest.mark.parametrize(("where", "orders"), list(itertools.product(FILTERS, ORDERS)))
def test_select_agrees_with_a_plain_sorted_list(where: ArticleFilter, orders: list[Order]) -> None:
    articles = varied()
    catalog = Catalog(articles, TAXONOMY, preview=True)
    expected = oracle(articles, where, orders)
    selection = catalog.select(where, orders)
    assert selection.count() == len(expected)
    assert [a.id for a in selection] == [a.id for a in expected]
    assert walk_forward(selection, 7) == expected
    assert walk_backward(selection, 5) == expected

    facets = selection.facets()
    for counts in (facets.providers, facets.types, facets.months):
        assert sum(count for _, count in counts) == len(expected)
    assert dict(facets.topics) == dict(Counter(t for a in expected for t in a.topics))


def test_a_window_between_two_cursors_and_both_sizes() -> None:
    catalog = Catalog(varied(), TAXONOMY)
    selection = catalog.select(ArticleFilter(), [Order(SortField.TITLE)])
    every = list(selection)
    after, before = selection.cursor(every[3]), selection.cursor(every[20])
    page = selection.page(first=10, after=after, before=before)
    assert page.articles == every[4:14] and page.has_next and page.has_previous
    page = selection.page(last=10, after=after, before=before)
    assert page.articles == every[10:20] and page.has_previous and page.has_next
    page = selection.page(first=10, last=3, after=after)
    assert page.articles == every[11:14]
    assert selection.page(first=0).articles == []


@pytest.mark.parametrize("orders", ORDERS)
def test_cursors_survive_a_reload_that_removes_their_article(orders: list[Order]) -> None:
    articles = varied()
    catalog = Catalog(articles)
    selection = catalog.select(ArticleFilter(), orders)
    every = list(selection)
    cursor = selection.cursor(every[9])
    reloaded = Catalog([a for a in articles if a.id != every[9].id])
    page = reloaded.select(ArticleFilter(), orders).page(first=3, after=cursor)
    assert page.articles == every[10:13]
    page = reloaded.select(ArticleFilter(), orders).page(last=3, before=cursor)
    assert page.articles == every[6:9]


@pytest.mark.parametrize("orders", ORDERS)
def test_an_issued_cursor_names_the_position_its_decoding_names(orders: list[Order]) -> None:
    # A cursor this catalog issued is found by the key remembered when it was issued; a
    # catalog that did not issue it decodes it. Both must give every page alike.
    articles = varied()
    issuing, fresh = Catalog(articles), Catalog(articles)
    selection = issuing.select(ArticleFilter(), orders)
    every = list(selection)
    cursors = [selection.cursor(article) for article in every]
    decoding = fresh.select(ArticleFilter(), orders)
    for cursor in cursors:
        for window in ({"first": 3, "after": cursor}, {"last": 3, "before": cursor}):
            assert selection.page(**window) == decoding.page(**window)


def test_a_cursor_of_another_order_is_refused() -> None:
    catalog = Catalog(varied())
    cursor = catalog.select(ArticleFilter()).cursor(catalog.order[0])
    with pytest.raises(CursorError, match="another sort order"):
        catalog.select(ArticleFilter(), [Order(SortField.HEAT)]).page(after=cursor)


NEWEST = (Order(SortField.PUBLISHED_DATE_TIME),)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "nonsense",
        "djF8",
        encode_cursor(NEWEST, ["2024-01-01T00:00:00+00:00"], "x")[:-4],
        encode_cursor(NEWEST, ["2024-01-01T00:00:00"], "x"),  # no time zone
        encode_cursor(NEWEST, ["yesterday"], "x"),
        encode_cursor(NEWEST, [], "x"),
        # Nested deeper than the JSON decoder recurses (RecursionError, not ValueError).
        base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),
    ],
)
def test_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(CursorError):
        Catalog(corpus()).select(ArticleFilter()).page(after=cursor)


def test_a_hostile_cursor_is_not_quoted_in_full() -> None:
    with pytest.raises(CursorError) as refused:
        Catalog(corpus()).select(ArticleFilter()).page(after="A" * 100_000)
    assert len(str(refused.value)) < 100


@pytest.mark.parametrize("size", [-1, 101])
def test_page_sizes_are_capped(size: int) -> None:
    selection = Catalog(corpus()).select(ArticleFilter())
    with pytest.raises(ValueError, match="between 0 and 100"):
        selection.page(first=size)
    with pytest.raises(ValueError, match="between 0 and 100"):
        selection.page(last=size)


def test_relevance_needs_a_search() -> None:
    with pytest.raises(SearchUnavailable):
        Catalog(corpus()).select(ArticleFilter(), [Order(SortField.RELEVANCE)])


SEARCH_FILTERS = [
    ArticleFilter(search="alpha"),
    ArticleFilter(search="beta", types=("video",)),
    ArticleFilter(search="alpha", topics_any=("AI",), include_subtopics=True),
    ArticleFilter(search="gamma", since=START + timedelta(hours=10), quality=(2, None)),
    ArticleFilter(search="eclair", visibility=Visibility.ALL),  # accents folded, drafts too
]


@pytest.mark.parametrize("where", SEARCH_FILTERS)
@pytest.mark.parametrize(
    "orders",
    [[], [Order(SortField.RELEVANCE, descending=False)], [Order(SortField.TITLE)]],
)
def test_searches_agree_with_a_plain_sorted_list(where: ArticleFilter, orders: list[Order]) -> None:
    articles = varied()
    catalog = Catalog(articles, TAXONOMY, preview=True)
    assert where.search is not None
    scores = catalog.search_index.match(where.search)
    plain = [a for a in oracle(articles, replace(where, search=None), []) if a.id in scores]
    if orders and orders[0].field is SortField.TITLE:
        expected = oracle(plain, ArticleFilter(visibility=Visibility.ALL), orders)
    else:
        best_first = not orders or orders[0].descending
        expected = sorted(
            plain,
            key=lambda a: (
                -scores[a.id] if best_first else scores[a.id],
                -a.published_date_time.timestamp(),
                a.id,
            ),
        )
    selection = catalog.select(where, orders)
    assert expected and selection.count() == len(expected)
    assert [a.id for a in selection] == [a.id for a in expected]
    assert walk_forward(selection, 4) == expected
    assert walk_backward(selection, 3) == expected
    assert sum(count for _, count in selection.facets().types) == len(expected)


SEARCHED_ARTICLES = varied(400, seed=11)
SEARCHED = Catalog(SEARCHED_ARTICLES, TAXONOMY)


_WORDS = ("alpha", "beta", "gamma", "eclair", "two", "alpha*", "alpha -two", '"alpha two"')


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    search=st.sampled_from(_WORDS),
    since=st.none() | st.integers(0, 40),
    until=st.none() | st.integers(0, 40),
    topic=st.none() | st.sampled_from(["AI", "Space", "Robots"]),
    forward=st.integers(1, 9),
    backward=st.integers(1, 9),
)
def test_search_pages_walk_the_whole_ranking_both_ways(
    search: str,
    since: int | None,
    until: int | None,
    topic: str | None,
    forward: int,
    backward: int,
) -> None:
    """Page by page, either way, a search lists what ranking every hit at once lists: best
    first, ties newest first, then by id, within the filter."""
    where = ArticleFilter(
        search=search,
        since=None if since is None else START + timedelta(hours=since),
        until=None if until is None else START + timedelta(hours=until),
        topics_any=() if topic is None else (topic,),
    )
    selection = SEARCHED.select(where)
    scores = SEARCHED.search_index.match(search)
    allowed = {a.id for a in oracle(SEARCHED_ARTICLES, replace(where, search=None), [])}
    expected = sorted(
        (a for a in SEARCHED.order if a.id in scores and a.id in allowed),
        key=lambda a: (-scores[a.id], -a.published_date_time.timestamp(), a.id),
    )
    assert selection.count() == len(expected)
    assert walk_forward(selection, forward) == expected
    assert walk_backward(selection, backward) == expected
    assert [selection.scores[a.id] for a in expected] == [scores[a.id] for a in expected]


PAGED_FILTERS = [
    ArticleFilter(),  # the whole order
    ArticleFilter(topics_any=("AI",)),  # one index, walked as it is
    ArticleFilter(topics_any=("AI",), providers=("b.example",)),  # a set of positions
    ArticleFilter(search="alpha"),  # by relevance: the search's ranking
    ArticleFilter(search="alpha", types=("article",)),  # the ranking, kept by a filter
]


@pytest.mark.parametrize("where", PAGED_FILTERS)
@pytest.mark.parametrize("orders", [(), (Order(SortField.TITLE, descending=False),)])
def test_page_numbers_give_the_pages_that_cursors_walk_to(
    where: ArticleFilter, orders: tuple[Order, ...]
) -> None:
    selection = Catalog(varied(300), TAXONOMY).select(where, orders)
    everything = list(selection)
    assert len(everything) > 12
    for size in (1, 5, 7):
        walked, after, number = [], None, 1
        while True:
            by_cursor = selection.page(first=size, after=after)
            by_number = selection.page(first=size, page=number)
            assert by_number.articles == by_cursor.articles
            assert by_number.articles == everything[(number - 1) * size : number * size]
            assert by_number.has_next == by_cursor.has_next
            assert by_number.has_previous == (number > 1)
            walked += by_number.articles
            if not by_cursor.has_next:
                break
            after, number = selection.cursor(by_cursor.articles[-1]), number + 1
        assert walked == everything
        past = selection.page(first=size, page=number + 1)
        assert past.articles == [] and not past.has_next and past.has_previous


def test_a_page_number_counts_from_a_cursor() -> None:
    selection = Catalog(varied(300), TAXONOMY).select(ArticleFilter(topics_any=("AI",)))
    everything = list(selection)
    after = selection.cursor(everything[4])
    assert selection.page(first=3, after=after, page=2).articles == everything[8:11]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"page": 0}, "page must be between 1 and 10000, got 0"),
        ({"page": 10_001}, "page must be between 1 and 10000, got 10001"),
        ({"last": 2, "page": 2}, "it cannot go with last"),
    ],
)
def test_page_numbers_out_of_bounds_are_refused(arguments: dict[str, int], message: str) -> None:
    selection = Catalog(varied()).select(ArticleFilter())
    with pytest.raises(ValueError, match=message):
        selection.page(**arguments)  # type: ignore[arg-type]
