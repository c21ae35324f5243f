from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsgraph.engine import normalise
from newsgraph.engine.model import article_id

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
    result = normalise.timestamp(value, "publishedDateTime")
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize("value", ["2021-13-45T00:00:00Z", "soon", 12, None, True])
def test_bad_timestamps_are_field_errors(value: object) -> None:
    with pytest.raises(normalise.FieldError) as caught:
        normalise.timestamp(value, "publishedDateTime")
    assert caught.value.field == "publishedDateTime"


def test_video_without_web_url_uses_original_url_as_canonical() -> None:
    article = normalise.article(make(type="Video"))
    assert article.links.canonical == "https://video.example.net/watch?v=1"
    assert article.id == article_id("https://video.example.net/watch?v=1")
    assert article.type == "video"
    assert article.provider.domain == "example.net"


def test_missing_optional_fields_have_documented_defaults() -> None:
    article = normalise.article(make())
    assert article.published is True
    assert article.images == () and article.topics == () and article.related == ()
    assert article.quality is None and article.heat is None


@pytest.mark.parametrize(
    ("changes", "field", "phrase"),
    [
        ({"title": 2021}, "title", "got int 2021"),
        ({"title": False}, "title", "quote it"),
        ({"excerpt": 1.5}, "excerpt", "got float"),
        ({"quality": "high"}, "quality", "whole number"),
        ({"heat": True}, "heat", "whole number"),
        ({"topics": "AI"}, "topics", "expected a list"),
        ({"topics": ["AI", 3]}, "topics[1]", "topic name"),
        ({"provider": {"name": "P"}}, "provider.domain", "is required"),
        ({"images": [{"width": 3}]}, "images[0].url", "is required"),
        ({"related": [{"title": "R"}]}, "related[0].webUrl", "needs a webUrl"),
        ({"related": [{"title": "R", "webUrl": "x:y"}]}, "related[0].webUrl", "absolute"),
        ({"originalUrl": None}, "webUrl", "needs a webUrl"),
    ],
)
def test_field_errors_name_the_field(changes: dict[str, object], field: str, phrase: str) -> None:
    with pytest.raises(normalise.FieldError) as caught:
        normalise.article(make(**changes))
    assert caught.value.field == field
    assert phrase in caught.value.reason


def test_secured_is_never_part_of_the_model() -> None:
    article = normalise.article(make(secured="opaque"))
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
    (item,) = normalise.article(make(related=[related])).related
    assert item.links.amp_web_url == "https://www.example.org/r?amp"
    assert item.published_date_time == datetime(2022, 4, 15, 17, 25, tzinfo=UTC)
    assert item.provider is not None and item.provider.name == "Q"
    assert item.images[0].width == 10


def test_topic_slugs() -> None:
    assert normalise.slug("Computer Vision") == "computer-vision"
    assert normalise.topic({"name": "Teams integration"}).id == "teams-integration"
