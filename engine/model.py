"""The content model: immutable values that every layer after normalisation shares.

Nothing here knows about GraphQL, HTTP or where a record came from beyond its origin string.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int | None = None
    height: int | None = None
    is_cached: bool | None = None
    title: str | None = None
    attribution: str | None = None


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    domain: str
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, slots=True)
class Links:
    """The URLs a story is published under; the canonical one identifies it."""

    web_url: str | None
    original_url: str | None
    amp_web_url: str | None = None
    cdn_amp_web_url: str | None = None

    @property
    def canonical(self) -> str:
        # Normalisation guarantees at least one of the two is present.
        return self.web_url or self.original_url or ""


@dataclass(frozen=True, slots=True)
class Related:
    """A story an article declares as related; it may or may not be in the catalog."""

    title: str
    links: Links
    excerpt: str | None = None
    published_date_time: datetime | None = None
    type: str | None = None
    provider: Provider | None = None
    quality: int | None = None
    heat: int | None = None
    images: tuple[Image, ...] = ()
    referrer: str = ""  # the id of the article declaring it: with its URL, what identifies it


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    published_date_time: datetime
    links: Links
    provider: Provider
    category: str | None = None
    excerpt: str | None = None
    type: str = "article"
    quality: int | None = None
    heat: int | None = None
    published: bool = True
    featured_content: str | None = None
    topics: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    related: tuple[Related, ...] = ()
    # Kept for the static JSON API and feeds (docs/static-api.md); not all are in the schema.
    content: str | None = None
    source_url: str | None = None
    highlight: str | None = None
    updated_date_time: datetime | None = None
    locale: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    path: str | None = None  # the record's own `path` (a Jekyll site's, such as `_news/x.md`)
    origin: str = ""  # where the record was read: a file path or a URL
    source: str = ""  # the name of the configured source that produced it


@dataclass(frozen=True, slots=True)
class Topic:
    """A taxonomy entry; topics named only on articles get one with `in_taxonomy` False."""

    id: str
    name: str
    shortname: str | None = None
    parent: str | None = None
    keywords: tuple[str, ...] = ()
    in_taxonomy: bool = True
    # The topic's other APIs, by name (`news` → its URL), as the taxonomy lists them.
    services: tuple[tuple[str, str], ...] = ()


def article_id(canonical_url: str) -> str:
    """A stable id for a story: the same canonical URL always gives the same id."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]
