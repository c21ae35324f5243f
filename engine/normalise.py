"""Turn a raw front-matter mapping into an `Article` or `Topic`, with every problem it has.

The rules, learnt from real data (see docs/content-format.md):

- Only what identifies and dates an article rejects it: its title, its canonical URL
  (`webUrl`, else `originalUrl`) and `publishedDateTime`. A problem anywhere else loses only
  that part, with a warning: a bad image, related story or topic entry is dropped, a bad
  optional field is left out, an unusable provider is made from the canonical URL's host.
- Every problem of a record is found in one pass, not only the first.
- Text fields take strings only. An unquoted `title: 2021` or `title: No` has already been
  turned into an int or a bool by YAML, and the original spelling is lost, so it is refused
  with a hint to quote it rather than guessed back into text.
- Timestamps may be aware or naive datetimes, dates, or ISO 8601 strings; all become aware UTC.
  A naive value counts as UTC. A bare date is midnight UTC.
- Relative URLs resolve against the record's base URL (`engine.base_url`), if it has one.
- `webUrl` is optional (videos have none); the canonical URL is `webUrl`, else `originalUrl`.
- A missing `published` counts as published; an unreadable one keeps the article a draft.
- Unknown keys are ignored, and `secured` is never read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar, cast
from urllib.parse import urlsplit

from newsgraph.engine.base_url import BaseUrl
from newsgraph.engine.fields import (
    FieldError,
    Finding,
    Findings,
    Record,
    describe,
    flag,
    mapping,
    moment,
    nonblank_text,
    url,
)
from newsgraph.engine.model import Article, Image, Links, Provider, Related, Topic, article_id

PROVIDER_FROM_HOST = "the provider is made from the canonical URL's host"


def _not_a_mapping(value: object) -> FieldError:
    return FieldError("", f"expected a mapping, got {describe(value)}")


def _image(item: object, found: Findings, base: BaseUrl | None) -> Image | None:
    if not isinstance(item, Mapping):
        found.reject(_not_a_mapping(item))
        return None
    image_url = found.required(url, item, "url", base)
    width = found.optional_integer(item, "width")
    height = found.optional_integer(item, "height")
    is_cached = found.optional_flag(item, "isCached")
    title = found.optional_text(item, "title")
    attribution = found.optional_text(item, "attribution")
    if image_url is None:
        return None
    return Image(image_url, width, height, is_cached, title, attribution)


def _images(record: Record, found: Findings, base: BaseUrl | None) -> tuple[Image, ...]:
    images = []
    for index, item in enumerate(found.optional_list(record, "images")):
        image = _image(item, found.within(f"images[{index}]", "this image is dropped"), base)
        if image is not None:
            images.append(image)
    return tuple(images)


def _provider(value: object, found: Findings, base: BaseUrl | None) -> Provider | None:
    if not isinstance(value, Mapping):
        found.reject(_not_a_mapping(value))
        return None
    name = found.required(nonblank_text, value, "name")
    domain = found.required(nonblank_text, value, "domain")
    images = _images(value, found, base)
    if name is None or domain is None:
        return None
    return _shared(Provider(name.strip(), domain.strip().lower(), images))


def _provider_from_host(canonical: str) -> Provider:
    host = (urlsplit(canonical).hostname or "").removeprefix("www.")
    return _shared(Provider(host, host))


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


def _given(record: Record, field: str) -> bool:
    value = record.get(field)
    return value is not None and not (isinstance(value, str) and not value.strip())


def _links(record: Record, found: Findings, base: BaseUrl | None) -> Links | None:
    """The story's URLs; a bad canonical URL (`webUrl`, else `originalUrl`) rejects it."""
    if _given(record, "webUrl"):
        canonical = web_url = found.required(url, record, "webUrl", base)
        original_url = found.optional_url(record, "originalUrl", base)
    elif _given(record, "originalUrl"):
        web_url = None
        canonical = original_url = found.required(url, record, "originalUrl", base)
    else:
        found.reject(FieldError("webUrl", "an article needs a webUrl or an originalUrl"))
        return None
    amp_web_url = found.optional_url(record, "ampWebUrl", base)
    cdn_amp_web_url = found.optional_url(record, "cdnAmpWebUrl", base)
    if canonical is None:
        return None
    return Links(web_url, original_url, amp_web_url, cdn_amp_web_url)


def _names(record: Record, field: str, found: Findings) -> tuple[str, ...]:
    """A list of names (`tags`, `categories`): repeats dropped, a bad entry drops itself."""
    names: list[str] = []
    for index, item in enumerate(found.optional_list(record, field)):
        if not isinstance(item, str) or not item.strip():
            error = FieldError(f"{field}[{index}]", f"expected a name, got {describe(item)}")
            found.warn(error, "this entry is dropped")
            continue
        name = _shared(item.strip())
        if name not in names:
            names.append(name)
    return tuple(names)


def _topics(record: Record, found: Findings) -> tuple[str, ...]:
    # A dict keeps the first-seen order and finds a repeat at once: a list's `in` made one file
    # of 90,000 topic names cost a watched folder forty seconds of CPU per change.
    topics: dict[str, None] = {}
    for index, item in enumerate(found.optional_list(record, "topics")):
        if not isinstance(item, str) or not item.strip():
            error = FieldError(f"topics[{index}]", f"expected a topic name, got {describe(item)}")
            found.warn(error, "this topic is dropped")
            continue
        topics.setdefault(_shared(item.strip()))
    return tuple(topics)


def _related_story(
    item: object, found: Findings, base: BaseUrl | None, referrer: str
) -> Related | None:
    if not isinstance(item, Mapping):
        found.reject(_not_a_mapping(item))
        return None
    title = found.required(nonblank_text, item, "title")
    links = _links(item, found, base)
    given = item.get("provider")
    provider = (
        None
        if given is None
        else _provider(given, found.within("provider", "its provider is left out"), base)
    )
    excerpt = found.optional_text(item, "excerpt")
    published_date_time = found.optional(moment, item, "publishedDateTime")
    kind = found.optional_text(item, "type")
    quality = found.optional_integer(item, "quality")
    heat = found.optional_integer(item, "heat")
    images = _images(item, found, base)
    if title is None or links is None:
        return None
    return Related(
        title=title,
        links=links,
        excerpt=excerpt,
        published_date_time=published_date_time,
        type=kind,
        provider=provider,
        quality=quality,
        heat=heat,
        images=images,
        referrer=referrer,
    )


def _related(
    record: Record, found: Findings, base: BaseUrl | None, referrer: str
) -> tuple[Related, ...]:
    related = []
    for index, item in enumerate(found.optional_list(record, "related")):
        part = found.within(f"related[{index}]", "this related story is dropped")
        story = _related_story(item, part, base, referrer)
        if story is not None:
            related.append(story)
    return tuple(related)


def _published(record: Record, found: Findings) -> bool:
    try:
        published = flag(record, "published")
    except FieldError as error:
        # Guessing "published" could put a draft online; a draft is only seen in preview.
        found.warn(error, "the article is kept as a draft")
        return False
    return True if published is None else published


def article(
    record: Record, origin: str = "", source: str = "", base_url: BaseUrl | None = None
) -> tuple[Article | None, list[Finding]]:
    """Build an `Article` from one raw record, and every problem found in it.

    The article is None when an error (a problem with its title, canonical URL or
    `publishedDateTime`) rejects the record; warnings say what else was dropped.
    """
    found = Findings()
    title = found.required(nonblank_text, record, "title")
    links = _links(record, found, base_url)
    published_date_time = found.required(moment, record, "publishedDateTime")
    given = record.get("provider")
    provider_found = found.within("provider", PROVIDER_FROM_HOST)
    if given is None:
        provider_found.reject(FieldError("", "is required (a mapping with name and domain)"))
        provider = None
    else:
        provider = _provider(given, provider_found, base_url)
    # Every field is read, so that one pass reports every problem, rejected or not.
    category = found.optional_text(record, "category")
    excerpt = found.optional_text(record, "excerpt")
    kind = found.optional_text(record, "type")
    quality = found.optional_integer(record, "quality")
    heat = found.optional_integer(record, "heat")
    published = _published(record, found)
    featured_content = found.optional_text(record, "featuredContent")
    topics = _topics(record, found)
    images = _images(record, found, base_url)
    key = "" if links is None else article_id(links.canonical)
    related = _related(record, found, base_url, key)
    content = found.optional_text(record, "content")
    source_url = found.optional_url(record, "sourceUrl", base_url)
    highlight = found.optional_text(record, "highlight")
    updated_date_time = found.optional(moment, record, "updatedDateTime")
    locale = found.optional_text(record, "locale")
    # A Jekyll record names one `category`; an API item lists `categories`.
    categories = _names(record, "categories", found) or ((category,) if category else ())
    tags = _names(record, "tags", found)
    path = found.optional_text(record, "path")
    if title is None or links is None or published_date_time is None:
        return None, found.found
    return Article(
        id=key,
        title=title,
        published_date_time=published_date_time,
        links=links,
        provider=provider or _provider_from_host(links.canonical),
        category=category,
        excerpt=excerpt,
        type=(kind or "article").strip().lower(),
        quality=quality,
        heat=heat,
        published=published,
        featured_content=featured_content,
        topics=topics,
        images=images,
        related=related,
        content=content,
        source_url=source_url,
        highlight=highlight,
        updated_date_time=updated_date_time,
        locale=locale,
        categories=categories,
        tags=tags,
        path=path,
        origin=origin,
        source=source,
    ), found.found


_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """The id of a topic known only by name: `Computer Vision` → `computer-vision`."""
    return _SLUG_JUNK.sub("-", name.casefold()).strip("-")


def organization(
    record: Record, base_url: BaseUrl | None = None
) -> tuple[Provider | None, list[Finding]]:
    """A provider profile from a `_data/organizations/*.md`-shaped record (`name`, `domain`,
    `images`), and every problem found in it; None when its name or domain is unusable."""
    found = Findings()
    provider = _provider(record, found, base_url)
    return provider, found.found


def topic(record: Record) -> tuple[Topic | None, list[Finding]]:
    """Build a taxonomy `Topic` from a `_data/topics/*.yaml`-shaped record, and every problem
    found in it; the topic is None when its name is missing or unreadable."""
    found = Findings()
    name = found.required(nonblank_text, record, "name")
    keywords = []
    for index, item in enumerate(found.optional_list(record, "keywords")):
        if isinstance(item, str):
            keywords.append(item)
        else:
            error = FieldError(f"keywords[{index}]", f"expected text, got {describe(item)}")
            found.warn(error, "this keyword is dropped")
    given_id = found.optional_text(record, "_id")
    services = _services(record, found)
    shortname = found.optional_text(record, "shortname")
    parent = found.optional_text(record, "parent")
    if name is None:
        return None, found.found
    return Topic(
        id=(given_id or "").strip() or slug(name),
        name=name.strip(),
        shortname=shortname,
        parent=parent,
        keywords=tuple(keywords),
        services=services,
    ), found.found


def _services(record: Record, found: Findings) -> tuple[tuple[str, str], ...]:
    """A topic's `services` (name → URL), in the order given; a bad entry drops itself."""
    given = found.optional(mapping, record, "services") or {}
    services = []
    for name, address in given.items():
        if isinstance(name, str) and isinstance(address, str):
            services.append((name, address))
        else:
            error = FieldError(f"services.{name}", f"expected a URL, got {describe(address)}")
            found.warn(error, "this service is dropped")
    return tuple(services)
