"""The arguments of article connections: the filter and sort inputs, and their translation into
the catalog's own `ArticleFilter` and `Order`s."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from enum import Enum

import strawberry

from newsgraph.engine.selection import ArticleFilter, Order, SortField, Visibility

ArticleSortField = strawberry.enum(
    SortField,
    name="ArticleSortField",
    description="What to sort articles by. RELEVANCE needs `filter.search`.",
)

ArticleVisibility = strawberry.enum(
    Visibility,
    name="Visibility",
    description="Published articles, drafts, or both. Drafts need the preview credential.",
)


@strawberry.enum(description="ASC: smallest, oldest or A first. DESC: the reverse.")
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input(description="An inclusive range; leave an end out to keep it open.")
class IntRange:
    min: int | None = None
    max: int | None = None


@strawberry.input(description="Calendar days in UTC, both ends included; leave an end out.")
class DateRange:
    min: date | None = None
    max: date | None = None


@strawberry.input(
    description="Topics by name or id, case-insensitive. All given lists must hold at once."
)
class TopicFilter:
    any_of: list[str] | None = strawberry.field(
        default=None, description="At least one of these topics."
    )
    all_of: list[str] | None = strawberry.field(default=None, description="Every one of these.")
    none_of: list[str] | None = strawberry.field(default=None, description="None of these.")
    include_subtopics: bool = strawberry.field(
        default=False, description="Let each named topic stand for itself and its descendants."
    )


@strawberry.input(
    name="ArticleFilter",
    description="Conditions that must all hold; a condition left out does not filter.",
)
class ArticleFilterInput:
    topics: TopicFilter | None = None
    providers: list[str] | None = strawberry.field(
        default=None, description="Any of these provider domains."
    )
    types: list[str] | None = strawberry.field(
        default=None, description="Any of these types (`article`, `video`, ...)."
    )
    since: datetime | None = strawberry.field(default=None, description="Published at or after.")
    until: datetime | None = strawberry.field(default=None, description="Published at or before.")
    published_on: DateRange | None = strawberry.field(
        default=None, description="Published on one of these days (UTC); holds with since/until."
    )
    quality: IntRange | None = strawberry.field(
        default=None, description="Articles without a quality never match a range."
    )
    heat: IntRange | None = strawberry.field(
        default=None, description="Articles without a heat never match a range."
    )
    has_amp: bool | None = strawberry.field(
        default=None, description="Whether the article has an AMP (or AMP cache) URL."
    )
    search: str | None = strawberry.field(
        default=None,
        description='Full-text search: words (all must match), "exact phrases", prefix*, '
        "-excluded. Case and accents are ignored.",
    )
    visibility: ArticleVisibility = strawberry.field(  # type: ignore[valid-type]
        default=Visibility.PUBLISHED,
        description="DRAFT and ALL need the preview credential.",
    )


@strawberry.input(description="One sort key; later keys break the ties of earlier ones.")
class ArticleSort:
    field: ArticleSortField  # type: ignore[valid-type]
    direction: SortDirection = SortDirection.DESC


def _tuple(values: list[str] | None) -> tuple[str, ...]:
    return tuple(values or ())


def _range(value: IntRange | None, name: str) -> tuple[int | None, int | None]:
    if value is None:
        return (None, None)
    if value.min is not None and value.max is not None and value.min > value.max:
        raise ValueError(f"{name}: min ({value.min}) is greater than max ({value.max})")
    return (value.min, value.max)


def _day_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, UTC)


def _day_end(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.max, UTC)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def to_filter(given: ArticleFilterInput | None) -> ArticleFilter:
    """The catalog's filter for a GraphQL `ArticleFilter` (None: no conditions)."""
    if given is None:
        return ArticleFilter()
    topics = given.topics or TopicFilter()
    days = given.published_on or DateRange()
    if days.min is not None and days.max is not None and days.min > days.max:
        raise ValueError(f"publishedOn: min ({days.min}) is after max ({days.max})")
    search = given.search
    return ArticleFilter(
        topics_any=_tuple(topics.any_of),
        topics_all=_tuple(topics.all_of),
        topics_none=_tuple(topics.none_of),
        include_subtopics=topics.include_subtopics,
        providers=None if given.providers is None else tuple(given.providers),
        types=None if given.types is None else tuple(given.types),
        since=_later(given.since, _day_start(days.min)),
        until=_earlier(given.until, _day_end(days.max)),
        quality=_range(given.quality, "quality"),
        heat=_range(given.heat, "heat"),
        has_amp=given.has_amp,
        search=search,
        visibility=given.visibility,
    )


def narrowed(
    where: ArticleFilter, *, topic: str | None = None, provider: str | None = None
) -> ArticleFilter:
    """`where`, further limited to one topic and/or one provider domain."""
    if topic is not None:
        where = replace(where, topics_all=(*where.topics_all, topic))
    if provider is not None:
        domain = provider.strip().lower()
        wanted = where.providers
        kept = (domain,) if wanted is None or domain in {d.strip().lower() for d in wanted} else ()
        where = replace(where, providers=kept)
    return where


def to_orders(sort: list[ArticleSort] | None) -> tuple[Order, ...]:
    if not sort:
        return ()
    fields: list[SortField] = [key.field for key in sort]
    for field in fields:
        if fields.count(field) > 1:
            raise ValueError(f"sort: {field.name} is given more than once")
    return tuple(Order(key.field, key.direction is SortDirection.DESC) for key in sort)
