"""JSON Feed 1.1 (and 1.0): a feed object whose `items` become raw records.

The mapping is written down in docs/sources.md. Values are passed on as found, so that the
normaliser, not this module, says what is wrong with a bad one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeGuard

from newsgraph.plugins.remote_feed.page import (
    Context,
    DocumentError,
    Page,
    feed_provider,
    json_items,
)

VERSION_PREFIX = "https://jsonfeed.org/version/"
# The item keys that `record` renames, so that a problem names the key the feed has.
KEYS = {
    "webUrl": "url",
    "originalUrl": "external_url",
    "excerpt": "summary",
    "topics": "tags",
}


def is_feed(document: object) -> TypeGuard[Mapping[str, object]]:
    if not isinstance(document, Mapping):
        return False
    version = document.get("version")
    return isinstance(version, str) and version.startswith(VERSION_PREFIX)


def read(document: Mapping[str, object], context: Context) -> Page:
    """The feed's items as raw records."""
    items = document.get("items")
    if not isinstance(items, list):
        raise DocumentError(f"{context.url}: a JSON Feed needs an items list, got {items!r}")
    provider = feed_provider(
        context,
        _text(document.get("title")),
        _text(document.get("home_page_url")) or _text(document.get("feed_url")),
        _text(document.get("icon")) or _text(document.get("favicon")),
    )
    records, problems = json_items(
        items, "items", context, lambda item: record(item, provider), KEYS
    )
    return Page("json_feed", records, problems)


def record(item: Mapping[str, object], provider: Mapping[str, object]) -> dict[str, object]:
    """One item in front-matter shape."""
    published = item.get("date_published")
    image, banner = item.get("image"), item.get("banner_image")
    data = {
        "title": item.get("title"),
        "webUrl": item.get("url"),
        "originalUrl": item.get("external_url"),
        "publishedDateTime": item.get("date_modified") if published is None else published,
        "excerpt": item.get("summary"),
        "topics": item.get("tags"),
        "images": [{"url": url} for url in (image, banner if banner != image else None) if url],
        "provider": dict(provider),
    }
    return {key: value for key, value in data.items() if value not in (None, [])}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
