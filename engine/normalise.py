"""Turn a raw front-matter mapping into an `Article` or `Topic`, or a precise `FieldError`.

The rules, learnt from real data (see docs/content-format.md):

- Text fields take strings only. An unquoted `title: 2021` or `title: No` has already been
  turned into an int or a bool by YAML, and the original spelling is lost, so it is rejected
  with a hint to quote it rather than guessed back into text.
- Timestamps may be aware or naive datetimes, dates, or ISO 8601 strings; all become aware UTC.
  A naive value counts as UTC. A bare date is midnight UTC.
- `webUrl` is optional (videos have none); the canonical URL is `webUrl`, else `originalUrl`.
- A missing `published` counts as published: older records predate the field.
- Unknown keys are ignored, and `secured` is never read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import TypeVar, cast

from newsgraph.engine.model import Article, Image, Links, Provider, Related, Topic, article_id


class FieldError(ValueError):
    """A record's field holds something newsgraph will not accept."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


_YAML_LITERALS = "quote it so YAML reads it as text"


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"boolean {value}"
    return f"{type(value).__name__} {value!r}"


def _text(record: Mapping[str, object], field: str, *, required: bool = False) -> str | None:
    value = record.get(field)
    if value is None:
        if required:
            raise FieldError(field, "is required")
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"expected text, got {_describe(value)}; {_YAML_LITERALS}")
    if required and not value.strip():
        raise FieldError(field, "is empty")
    return value


def _integer(record: Mapping[str, object], field: str) -> int | None:
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(field, f"expected a whole number, got {_describe(value)}")
    return value


def _flag(record: Mapping[str, object], field: str) -> bool | None:
    value = record.get(field)
    if value is None or isinstance(value, bool):
        return value
    raise FieldError(field, f"expected true or false, got {_describe(value)}")


def _url(record: Mapping[str, object], field: str) -> str | None:
    value = _text(record, field)
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise FieldError(field, f"expected an absolute http(s) URL, got {value!r}")
    return value


def timestamp(value: object, field: str) -> datetime:
    """Normalise a YAML or JSON timestamp to an aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(field, f"not an ISO 8601 date-time: {value!r}") from None
    elif value is None:
        raise FieldError(field, "is required")
    else:
        raise FieldError(field, f"expected a date-time, got {_describe(value)}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _mapping(value: object, field: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise FieldError(field, f"expected a mapping, got {_describe(value)}")
    return value


def _sequence(record: Mapping[str, object], field: str) -> Sequence[object]:
    value = record.get(field)
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise FieldError(field, f"expected a list, got {_describe(value)}")
    return value


def _within(prefix: str, error: FieldError) -> FieldError:
    """Re-anchor an error raised inside a nested mapping: `url` inside `images[2]`."""
    return FieldError(f"{prefix}.{error.field}" if error.field else prefix, error.reason)


def _images(record: Mapping[str, object], field: str = "images") -> tuple[Image, ...]:
    images = []
    for index, item in enumerate(_sequence(record, field)):
        try:
            raw = _mapping(item, "")
            url = _url(raw, "url")
            if url is None:
                raise FieldError("url", "is required")
            images.append(
                Image(
                    url=url,
                    width=_integer(raw, "width"),
                    height=_integer(raw, "height"),
                    is_cached=_flag(raw, "isCached"),
                    title=_text(raw, "title"),
                    attribution=_text(raw, "attribution"),
                )
            )
        except FieldError as error:
            raise _within(f"{field}[{index}]", error) from None
    return tuple(images)


def _provider(value: object) -> Provider:
    try:
        raw = _mapping(value, "")
        name = _text(raw, "name", required=True)
        domain = _text(raw, "domain", required=True)
        assert name is not None and domain is not None
        provider = Provider(name.strip(), domain.strip().lower(), _images(raw))
    except FieldError as error:
        raise _within("provider", error) from None
    return _shared(provider)


# Thousands of articles name the same few providers and topics: equal values are shared,
# which keeps a large catalog's memory near what its distinct values need.
_SHARED: dict[object, object] = {}
_SHARED_LIMIT = 65536
_Value = TypeVar("_Value", Provider, str)


def _shared(value: _Value) -> _Value:
    known = _SHARED.get(value)
    if known is not None:
        return cast(_Value, known)
    if len(_SHARED) >= _SHARED_LIMIT:
        _SHARED.clear()
    _SHARED[value] = value
    return value


def _links(record: Mapping[str, object], *, required: bool) -> Links:
    links = Links(
        web_url=_url(record, "webUrl"),
        original_url=_url(record, "originalUrl"),
        amp_web_url=_url(record, "ampWebUrl"),
        cdn_amp_web_url=_url(record, "cdnAmpWebUrl"),
    )
    if required and not links.canonical:
        raise FieldError("webUrl", "an article needs a webUrl or an originalUrl")
    return links


def _topics(record: Mapping[str, object]) -> tuple[str, ...]:
    topics: list[str] = []
    for index, item in enumerate(_sequence(record, "topics")):
        if not isinstance(item, str) or not item.strip():
            raise FieldError(f"topics[{index}]", f"expected a topic name, got {_describe(item)}")
        name = _shared(item.strip())
        if name not in topics:
            topics.append(name)
    return tuple(topics)


def _related(record: Mapping[str, object]) -> tuple[Related, ...]:
    related = []
    for index, item in enumerate(_sequence(record, "related")):
        try:
            raw = _mapping(item, "")
            title = _text(raw, "title", required=True)
            assert title is not None
            when = raw.get("publishedDateTime")
            related.append(
                Related(
                    title=title,
                    links=_links(raw, required=True),
                    excerpt=_text(raw, "excerpt"),
                    published_date_time=None
                    if when is None
                    else timestamp(when, "publishedDateTime"),
                    type=_text(raw, "type"),
                    provider=None if raw.get("provider") is None else _provider(raw["provider"]),
                    quality=_integer(raw, "quality"),
                    heat=_integer(raw, "heat"),
                    images=_images(raw),
                )
            )
        except FieldError as error:
            raise _within(f"related[{index}]", error) from None
    return tuple(related)


def article(record: Mapping[str, object], origin: str = "", source: str = "") -> Article:
    """Build an `Article` from one raw record; raise `FieldError` naming the first bad field."""
    title = _text(record, "title", required=True)
    assert title is not None
    if record.get("provider") is None:
        raise FieldError("provider", "is required (a mapping with name and domain)")
    links = _links(record, required=True)
    published = _flag(record, "published")
    return Article(
        id=article_id(links.canonical),
        title=title,
        published_date_time=timestamp(record.get("publishedDateTime"), "publishedDateTime"),
        links=links,
        provider=_provider(record["provider"]),
        category=_text(record, "category"),
        excerpt=_text(record, "excerpt"),
        type=(_text(record, "type") or "article").strip().lower(),
        quality=_integer(record, "quality"),
        heat=_integer(record, "heat"),
        published=True if published is None else published,
        featured_content=_text(record, "featuredContent"),
        topics=_topics(record),
        images=_images(record),
        related=_related(record),
        origin=origin,
        source=source,
    )


_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """The id of a topic known only by name: `Computer Vision` → `computer-vision`."""
    return _SLUG_JUNK.sub("-", name.casefold()).strip("-")


def topic(record: Mapping[str, object]) -> Topic:
    """Build a taxonomy `Topic` from a `_data/topics/*.yaml`-shaped record."""
    name = _text(record, "name", required=True)
    assert name is not None
    keywords = []
    for index, item in enumerate(_sequence(record, "keywords")):
        if not isinstance(item, str):
            raise FieldError(f"keywords[{index}]", f"expected text, got {_describe(item)}")
        keywords.append(item)
    topic_id = _text(record, "_id") or slug(name)
    return Topic(
        id=topic_id.strip(),
        name=name.strip(),
        shortname=_text(record, "shortname"),
        parent=_text(record, "parent"),
        keywords=tuple(keywords),
    )
