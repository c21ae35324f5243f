from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsgraph.engine import fields, normalise
from newsgraph.engine.base_url import BaseUrl
from newsgraph.engine.ingest import normalise_batch
from newsgraph.engine.model import Article, article_id
from newsgraph.engine.sources import RawRecord, Severity, SourceBatch

BASE: dict[str, object] = {
    "title": "T",
    "publishedDateTime": "2024-01-02T03:04:05Z",
    "originalUrl": "https://video.example.net/watch?v=1",
    "provider": {"name": "P", "domain": "Example.NET"},
}


def make(**changes: object) -> dict[str, object]:
    record = dict(BASE)
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def kept(record: dict[str, object], base_url: BaseUrl | None = None) -> tuple[Article, list[str]]:
    """The article of a record that must load, and its warnings as `field: reason`."""
    article, findings = normalise.article(record, base_url=base_url)
    assert article is not None, findings
    assert all(f.severity is Severity.WARNING for f in findings)
    return article, [f"{f.field}: {f.reason}" for f in findings]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-7))),
            datetime(2024, 1, 2, 10, 4, 5, tzinfo=UTC),
        ),
        (date(2024, 1, 2), datetime(2024, 1, 2, tzinfo=UTC)),
        ("2020-05-18T16:26:26-07:00", datetime(2020, 5, 18, 23, 26, 26, tzinfo=UTC)),
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_utc(value: object, expected: datetime) -> None:
    result = fields.timestamp(value, "publishedDateTime")
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize("value", ["2021-13-45T00:00:00Z", "soon", 12, None, True])
def test_bad_timestamps_are_field_errors(value: object) -> None:
    with pytest.raises(fields.FieldError) as caught:
        fields.timestamp(value, "publishedDateTime")
    assert caught.value.field == "publishedDateTime"


def test_an_impossible_date_says_which_part_is_wrong() -> None:
    with pytest.raises(fields.FieldError, match=r"month must be in 1\.\.12: '2021-13-45'"):
        fields.timestamp("2021-13-45", "publishedDateTime")


def test_video_without_web_url_uses_original_url_as_canonical() -> None:
    article, findings = kept(make(type="Video"))
    assert findings == []
    assert article.links.canonical == "https://video.example.net/watch?v=1"
    assert article.id == article_id("https://video.example.net/watch?v=1")
    assert article.type == "video"
    assert article.provider.domain == "example.net"


def test_missing_optional_fields_have_documented_defaults() -> None:
    article, _ = kept(make())
    assert article.published is True
    assert article.images == () and article.topics == () and article.related == ()
    assert article.quality is None and article.heat is None


@pytest.mark.parametrize(
    ("changes", "field", "phrase"),
    [
        ({"title": 2021}, "title", "got int 2021"),
        ({"title": False}, "title", "expected text, got boolean False"),
        ({"title": "  "}, "title", "is empty"),
        ({"title": None}, "title", "is required"),
        ({"publishedDateTime": "soon"}, "publishedDateTime", "ISO 8601"),
        ({"publishedDateTime": None}, "publishedDateTime", "is required"),
        ({"originalUrl": None}, "webUrl", "needs a webUrl or an originalUrl"),
        ({"originalUrl": "/watch?v=1"}, "originalUrl", "no base_url option"),
        ({"webUrl": "mailto:desk@example.net"}, "webUrl", "absolute http(s) URL"),
        ({"webUrl": 7}, "webUrl", "expected text"),
    ],
)
def test_errors_in_what_identifies_and_dates_an_article_reject_it(
    changes: dict[str, object], field: str, phrase: str
) -> None:
    article, findings = normalise.article(make(**changes))
    assert article is None
    (finding,) = findings
    assert (finding.field, finding.severity) == (field, Severity.ERROR)
    assert phrase in finding.reason


@pytest.mark.parametrize(
    ("changes", "field", "phrase"),
    [
        ({"excerpt": 1.5}, "excerpt", "got float 1.5; left out"),
        ({"quality": "high"}, "quality", "whole number, got str 'high'; left out"),
        ({"heat": True}, "heat", "whole number, got boolean True; left out"),
        ({"category": ["news"]}, "category", "expected text"),
        ({"type": 3}, "type", "left out"),
        ({"featuredContent": {"html": 1}}, "featuredContent", "left out"),
        ({"topics": "AI"}, "topics", "expected a list, got str 'AI'; left out"),
        ({"topics": ["AI", 3]}, "topics[1]", "topic name, got int 3; this topic is dropped"),
        ({"images": {"url": "x"}}, "images", "expected a list"),
        ({"images": [{"width": 3}]}, "images[0].url", "is required; this image is dropped"),
        ({"images": ["https://img.example.net/a.jpg"]}, "images[0]", "expected a mapping"),
        ({"related": [{"title": "R"}]}, "related[0].webUrl", "related story is dropped"),
        ({"related": [{"title": "R", "webUrl": "x:y"}]}, "related[0].webUrl", "absolute"),
        ({"webUrl": "https://www.example.net/a", "originalUrl": "/a"}, "originalUrl", "relative"),
        ({"ampWebUrl": "amp/a"}, "ampWebUrl", "relative ('amp/a')"),
        ({"provider": {"name": "P"}}, "provider.domain", "is required; the provider is made"),
        ({"provider": ["P"]}, "provider", "expected a mapping, got list"),
        ({"provider": None}, "provider", "is required (a mapping with name and domain)"),
        ({"tags": ["a", 2]}, "tags[1]", "expected a name, got int 2; this entry is dropped"),
        ({"categories": "news"}, "categories", "expected a list"),
        ({"updatedDateTime": "later"}, "updatedDateTime", "ISO 8601"),
        ({"sourceUrl": "wire/1"}, "sourceUrl", "relative"),
        ({"content": 3}, "content", "expected text"),
        ({"locale": False}, "locale", "left out"),
    ],
)
def test_problems_in_optional_parts_lose_only_that_part(
    changes: dict[str, object], field: str, phrase: str
) -> None:
    _, warnings = kept(make(**changes))
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"{field}: ")
    assert phrase in warnings[0]


def test_a_broken_image_among_good_ones_drops_only_that_image() -> None:
    images = [
        {"url": "https://img.example.net/1.jpg", "width": 10},
        {"url": "/2.jpg", "width": "wide"},
        {"url": "https://img.example.net/3.jpg", "height": "tall"},
    ]
    article, warnings = kept(make(images=images))
    assert [(i.url, i.width, i.height) for i in article.images] == [
        ("https://img.example.net/1.jpg", 10, None),
        ("https://img.example.net/3.jpg", None, None),
    ]
    assert [w.split(":")[0] for w in warnings] == [
        "images[1].url",
        "images[1].width",
        "images[2].height",
    ]


def test_a_broken_related_story_drops_only_that_story() -> None:
    related = [
        {"title": "Good", "webUrl": "https://r.example.org/1"},
        {"title": 2021, "webUrl": "https://r.example.org/2"},
        {"title": "Keeps", "webUrl": "https://r.example.org/3", "quality": "x", "provider": 5},
    ]
    article, warnings = kept(make(related=related))
    assert [(r.title, r.quality, r.provider) for r in article.related] == [
        ("Good", None, None),
        ("Keeps", None, None),
    ]
    assert warnings == [
        "related[1].title: expected text, got int 2021; this related story is dropped",
        "related[2].provider: expected a mapping, got int 5; its provider is left out",
        "related[2].quality: expected a whole number, got str 'x'; left out",
    ]


def test_an_unreadable_published_flag_keeps_the_article_a_draft() -> None:
    article, warnings = kept(make(published="yes"))
    assert article.published is False
    assert warnings == [
        "published: expected true or false, got str 'yes'; the article is kept as a draft"
    ]


def test_an_unusable_provider_is_made_from_the_canonical_urls_host() -> None:
    article, _ = kept(make(webUrl="https://www.news.example.org/a", provider={"name": 3}))
    assert (article.provider.name, article.provider.domain) == (
        "news.example.org",
        "news.example.org",
    )


def test_every_problem_of_a_record_is_found_at_once() -> None:
    article, findings = normalise.article(
        make(webUrl="/relative", quality="high", topics="AI", title=None)
    )
    assert article is None
    assert [(f.field, f.severity) for f in findings] == [
        ("title", Severity.ERROR),
        ("webUrl", Severity.ERROR),
        ("quality", Severity.WARNING),
        ("topics", Severity.WARNING),
    ]


def test_relative_urls_resolve_against_a_site_base_url() -> None:
    logo = {"url": "/assets/images/organizations/example.com-50x50.jpg", "width": 50}
    record = make(
        webUrl="/2024/01/story.html",
        provider={"name": "P", "domain": "example.com", "images": [logo]},
        images=[{"url": "assets/a.jpg"}, {"url": "//cdn.example.net/b.jpg"}],
        related=[{"title": "R", "webUrl": "../elsewhere/"}],
    )
    article, warnings = kept(record, BaseUrl.site("https://news.example.org/site"))
    assert warnings == []
    assert article.links.web_url == "https://news.example.org/site/2024/01/story.html"
    assert article.id == article_id("https://news.example.org/site/2024/01/story.html")
    assert [i.url for i in article.provider.images] == [
        "https://news.example.org/site/assets/images/organizations/example.com-50x50.jpg"
    ]
    assert [i.url for i in article.images] == [
        "https://news.example.org/site/assets/a.jpg",
        "https://cdn.example.net/b.jpg",
    ]
    assert article.related[0].links.web_url == "https://news.example.org/elsewhere/"


def test_without_a_base_url_a_relative_logo_drops_only_the_logo() -> None:
    logo = {"url": "/assets/images/organizations/example.com-50x50.jpg"}
    article, warnings = kept(
        make(provider={"name": "P", "domain": "example.com", "images": [logo]})
    )
    assert (article.provider.name, article.provider.images) == ("P", ())
    assert warnings == [
        "provider.images[0].url: is relative ('/assets/images/organizations/example.com-50x50.jpg'), "
        "and the source has no base_url option to resolve it against; this image is dropped"
    ]


def test_secured_is_never_part_of_the_model() -> None:
    article, _ = kept(make(secured="opaque"))
    assert "opaque" not in repr(article)


def test_related_items_keep_their_fields() -> None:
    related = {
        "title": "R",
        "webUrl": "https://www.example.org/r",
        "ampWebUrl": "https://www.example.org/r?amp",
        "publishedDateTime": datetime(2022, 4, 15, 17, 25),
        "provider": {"name": "Q", "domain": "example.org"},
        "quality": 81,
        "images": [{"url": "https://img.example.org/r.jpg", "width": 10, "height": 5}],
    }
    (item,) = kept(make(related=[related]))[0].related
    assert item.links.amp_web_url == "https://www.example.org/r?amp"
    assert item.published_date_time == datetime(2022, 4, 15, 17, 25, tzinfo=UTC)
    assert item.provider is not None and item.provider.name == "Q"
    assert item.images[0].width == 10


def test_the_static_apis_fields_are_kept() -> None:
    article, warnings = kept(
        make(
            content="<p>Body</p>",
            sourceUrl="https://wire.example.org/1",
            highlight="Big",
            updatedDateTime="2024-01-03T00:00:00+01:00",
            locale="fr-fr",
            tags=["a", "b", "a"],
            path="_news/x.md",
        )
    )
    assert warnings == []
    assert (article.content, article.source_url, article.highlight) == (
        "<p>Body</p>",
        "https://wire.example.org/1",
        "Big",
    )
    assert article.updated_date_time == datetime(2024, 1, 2, 23, tzinfo=UTC)
    assert (article.locale, article.tags, article.path) == ("fr-fr", ("a", "b"), "_news/x.md")
    # `categories` when the record lists them, else its one `category`.
    assert kept(make(category="news"))[0].categories == ("news",)
    assert kept(make(category="news", categories=["a", "b"]))[0].categories == ("a", "b")
    assert kept(make())[0].categories == ()


def test_topic_services_keep_their_order() -> None:
    record = {
        "name": "T",
        "services": {"news": "https://x/api/news/", "bad": 3, "a": "https://x/a"},
    }
    topic, findings = normalise.topic(record)
    assert topic is not None
    assert topic.services == (("news", "https://x/api/news/"), ("a", "https://x/a"))
    assert [(f.field, f.severity) for f in findings] == [("services.bad", Severity.WARNING)]


def test_topic_slugs() -> None:
    assert normalise.slug("Computer Vision") == "computer-vision"
    topic, findings = normalise.topic({"name": "Teams integration", "keywords": ["a", 1]})
    assert topic is not None and topic.id == "teams-integration"
    assert topic.keywords == ("a",)
    assert [(f.field, f.severity) for f in findings] == [("keywords[1]", Severity.WARNING)]
    assert normalise.topic({"_id": "x"})[0] is None


def test_a_yaml_record_gets_quoting_advice_and_others_do_not() -> None:
    data = make(title=2024, excerpt=5)
    yaml_record = RawRecord(data, "a.md", 1, {"title": 2, "excerpt": 3}, syntax="yaml")
    plain = RawRecord(data, "feed.jsonl:3")
    yaml_problems = normalise_batch("folder", SourceBatch([yaml_record])).problems
    plain_problems = normalise_batch("jsonl", SourceBatch([plain])).problems
    assert [str(p) for p in yaml_problems] == [
        "a.md:2: error: title: expected text, got int 2024; quote it so YAML reads it as text",
        "a.md:3: warning: excerpt: expected text, got int 5; left out; "
        "quote it so YAML reads it as text",
    ]
    assert [str(p) for p in plain_problems] == [
        "feed.jsonl:3: error: title: expected text, got int 2024",
        "feed.jsonl:3: warning: excerpt: expected text, got int 5; left out",
    ]


def test_a_problem_names_the_key_the_source_maps() -> None:
    record = RawRecord(make(title=2024), "feed.jsonl:3", keys={"title": "headline"})
    (problem,) = normalise_batch("jsonl", SourceBatch([record])).problems
    assert (problem.field, problem.message) == (
        "headline",
        "expected text, got int 2024 (newsgraph's title)",
    )
    images = make(images=[{"url": 5}])
    nested = RawRecord(images, "feed.json", keys={"images": "attachments"})
    (problem,) = normalise_batch("feed", SourceBatch([nested])).problems
    assert problem.field == "attachments[0].url"


class CountedTopic(str):
    """A topic name that counts how often it is compared for equality."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        CountedTopic.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__

    def strip(self, chars: str | None = None) -> CountedTopic:
        return self


def test_many_topics_are_deduplicated_without_comparing_each_with_every_other() -> None:
    # A hostile file can list 90,000 topics: finding repeats must not compare every pair.
    names = [CountedTopic(f"counted topic {index}") for index in range(2000)]
    article, _ = kept(make(topics=[*names, names[0], names[-1]]))
    assert article.topics == tuple(names)
    assert CountedTopic.comparisons < len(names)
