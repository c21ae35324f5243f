"""The Every Day static JSON API: pages of `{"page": N, "value": [...], "nextPage": N+1 | null}`.

Its items are already shaped like front matter, so the mapping mostly copies; docs/sources.md
lists what is renamed and what is dropped. `nextPage` may be a page number (as an int or as
text) or a URL (absolute, or relative to the page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeGuard
from urllib.parse import urljoin, urlsplit, urlunsplit

from newsgraph.plugins.remote_feed.page import Context, DocumentError, Page, json_items

COPIED = (
    "title",
    "publishedDateTime",
    "webUrl",
    "originalUrl",
    "ampWebUrl",
    "cdnAmpWebUrl",
    "excerpt",
    "type",
    "quality",
    "heat",
    "published",
    "featuredContent",
    "topics",
    "related",
    "category",
    "categories",
    "tags",
    "path",
    "sourceUrl",
    "highlight",
    "updatedDateTime",
)
# The page number in a path: `/page/2/index.json` (current layout) or `/page2/` (legacy).
_PAGE_NUMBER = re.compile(r"/page/?(\d+)(?=/|$)")


def is_page(document: object) -> TypeGuard[Mapping[str, object]]:
    return isinstance(document, Mapping) and isinstance(document.get("value"), list)


def read(document: Mapping[str, object], context: Context) -> Page:
    """One page's items as raw records, and the URL of the next page, if any."""
    items = document.get("value")
    assert isinstance(items, list)
    records, problems = json_items(
        items, "value", context, lambda item: record(item, context.provider)
    )
    next_url = following(document.get("nextPage"), context.url)
    return Page("static_api", records, problems, next_url)


def record(item: Mapping[str, object], provider: Mapping[str, str] | None) -> dict[str, object]:
    """One API item in front-matter shape."""
    data = {key: item[key] for key in COPIED if item.get(key) is not None}
    categories = item.get("categories")
    if "category" not in data and isinstance(categories, list) and categories:
        data["category"] = categories[0]
    content = item.get("content")
    # The sites write an empty body as "" (or "\r\n" on legacy pages): nothing to keep.
    if content is not None and not (isinstance(content, str) and not content.strip()):
        data["content"] = content
    if item.get("images") is not None:
        data["images"] = _images(item["images"])
    given = item.get("provider")
    if isinstance(given, Mapping):
        data["provider"] = _provider(given)
    elif given is not None:
        data["provider"] = given  # the normaliser names what is wrong with it
    elif provider is not None:
        data["provider"] = dict(provider)
    return data


def _provider(value: Mapping[str, object]) -> dict[str, object]:
    kept = {key: value[key] for key in ("name", "domain") if key in value}
    if value.get("images") is not None:
        kept["images"] = _images(value["images"])
    return kept


def _images(value: object) -> object:
    # The API writes `isCached: false` for every image whose record has no such flag (the
    # folder's records only ever say `true`); reading it back as "not said" keeps an article
    # the same whether it came from the folder or from the API.
    if not isinstance(value, list):
        return value
    return [
        {k: v for k, v in image.items() if not (k == "isCached" and v is False)}
        if isinstance(image, Mapping)
        else image
        for image in value
    ]


def following(value: object, url: str) -> str | None:
    """The URL of the page `nextPage` points at, from the URL of the page that says it."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip() and not value.strip().isdigit():
        return urljoin(url, value.strip())
    if isinstance(value, str) and value.strip():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DocumentError(
            f"{url}: nextPage: expected a page number, a URL or null, got {value!r}"
        )
    scheme, netloc, path, query, _ = urlsplit(url)
    found = list(_PAGE_NUMBER.finditer(path))
    if found:
        start, end = found[-1].span(1)
        path = f"{path[:start]}{value}{path[end:]}"
    else:
        folder, _, name = path.rpartition("/")
        path = f"{folder}/page/{value}/{name}"
    return urlunsplit((scheme, netloc, path, query, ""))
