"""The static JSON API of the sites newsgraph replaces, rendered from a catalog.

The layout under the API's base path, and the shape of each document, are the sites' own
(docs/static-api.md): `news/index.json` and `news/page/N/index.json` hold pages of
`{"page": N, "value": [articles], "nextPage": N + 1 | null}`, newest first; the same per
topic under `news/<topic id>/`; `topics/index.json` lists the taxonomy. `document` renders one
path, `paths` names every path there is, so a server and an export give the same tree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from newsgraph.engine.catalog import Catalog, TopicEntry
from newsgraph.engine.model import Article, Image, Provider, Topic
from newsgraph.engine.selection import MAX_PAGE_NUMBER, ArticleFilter

JSON = "application/json"
TOPICS_INDEX = "topics/index.json"


@dataclass(frozen=True, slots=True)
class Site:
    """What the API and the feeds say that no record does."""

    url: str = "http://localhost"  # the site's URL with its base path, without a final /
    path: str = "/api"  # where the API is, under `url`
    title: str = "News"  # the feeds' title (a topic's feed adds the topic's name)
    locale: str = "en-us"  # an article's `locale` when its record has none
    page_size: int = 25  # articles per page (at most 100), and per feed

    def address(self, path: str) -> str:
        """The absolute URL of a path of the API."""
        return f"{self.url}{self.path}/{path}"


def timestamp(moment: datetime) -> str:
    """A UTC time as the sites write it: `2024-04-11T08:00:16Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _images(images: tuple[Image, ...]) -> list[dict[str, object]] | None:
    return [
        {
            "url": image.url,
            "width": image.width,
            "height": image.height,
            "title": image.title,
            "attribution": image.attribution,
            "isCached": bool(image.is_cached),
        }
        for image in images
    ] or None


def _provider(provider: Provider) -> dict[str, object]:
    # The sites' records never name publishers or authors of a provider; the API writes null.
    return {
        "name": provider.name,
        "domain": provider.domain,
        "images": _images(provider.images),
        "publishers": None,
        "authors": None,
    }


def item(article: Article, site: Site) -> dict[str, object]:
    """One article as the API's pages list it, in the sites' key order."""
    links = article.links
    updated = article.updated_date_time
    return {
        "path": article.path,
        "title": article.title,
        "excerpt": article.excerpt,
        "sourceUrl": article.source_url,
        "webUrl": links.web_url,
        "originalUrl": links.original_url,
        "featuredContent": article.featured_content,
        "highlight": article.highlight,
        "heat": article.heat,
        "tags": list(article.tags) or None,
        "images": _images(article.images),
        "content": article.content or "",
        "type": article.type,
        "ampWebUrl": links.amp_web_url,
        "cdnAmpWebUrl": links.cdn_amp_web_url,
        "publishedDateTime": timestamp(article.published_date_time),
        "updatedDateTime": None if updated is None else timestamp(updated),
        "provider": _provider(article.provider),
        "locale": article.locale or site.locale,
        "categories": list(article.categories) or None,
        "topics": list(article.topics) or None,
    }


def _filter(topic: Topic | None) -> ArticleFilter:
    return ArticleFilter() if topic is None else ArticleFilter(topics_all=(topic.name,))


def page_count(catalog: Catalog, topic: Topic | None, site: Site) -> int:
    """How many pages a listing has: at least one, which may be empty."""
    count = catalog.select(_filter(topic)).count()
    return min(MAX_PAGE_NUMBER, max(1, -(-count // site.page_size)))


def newest(catalog: Catalog, topic: Topic | None, count: int, number: int = 1) -> list[Article]:
    """Page `number` of `count` articles of a listing (all, or one topic's), newest first."""
    return catalog.select(_filter(topic)).page(first=count, page=number).articles


def listing_page(catalog: Catalog, topic: Topic | None, number: int, site: Site) -> object:
    """Page `number` of the newest articles, or of one topic's."""
    pages = page_count(catalog, topic, site)
    articles = newest(catalog, topic, site.page_size, number)
    return {
        "page": number,
        "value": [item(article, site) for article in articles],
        "nextPage": number + 1 if number < pages else None,
    }


def topics_index(catalog: Catalog) -> object:
    """The taxonomy's topics, in its order, as `api/topics-template.liquid` renders them."""
    value: list[dict[str, object]] = []
    for topic in catalog.taxonomy:
        entry: dict[str, object] = {
            "name": topic.name,
            "shortname": topic.shortname or topic.name,
            "id": topic.id,
        }
        if topic.parent:
            entry["parent"] = topic.parent
        entry["services"] = [
            {"name": name, "endpoint": endpoint} for name, endpoint in topic.services
        ]
        value.append(entry)
    return {"value": value}


def encode(document: object) -> bytes:
    """A document's bytes: the same document always gives the same bytes."""
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


# A topic's listing is a folder named by its id, beside `news/`'s own files and `page/`.
_FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


def _listed(entry: TopicEntry) -> bool:
    """Whether a topic has a listing: it has articles or is in the taxonomy, and its id can
    name a folder that is neither `page` nor a file's name."""
    name = entry.topic.id
    return (
        (bool(entry.positions) or entry.topic.in_taxonomy)
        and _FOLDER_NAME.fullmatch(name) is not None
        and name != "page"
        and not name.endswith((".json", ".xml"))
    )


def listings(catalog: Catalog) -> Iterator[tuple[str, Topic | None]]:
    """Each listing's folder under the base path, with its topic (None: every article)."""
    yield "news", None
    for entry in catalog.topics():
        if _listed(entry):
            yield f"news/{entry.topic.id}", entry.topic


def listing(catalog: Catalog, folder: str) -> tuple[Topic | None, str] | None:
    """The listing a path under `news/` belongs to (its topic, None for every article), and
    the rest of the path; None when no listing has that path."""
    head, _, rest = folder.partition("/")
    if head in ("", "index.json", "page"):
        return None, folder
    entry = catalog.topic(id=head)
    # Only the id as written names the listing (not `Canvas-Apps` for `canvas-apps`), so
    # that each listing has one address, as its exported folder does.
    if entry is None or entry.topic.id != head or not _listed(entry):
        return None
    return entry.topic, rest


def _page_number(rest: str) -> int | None:
    """`index.json` is page 1; `page/N/index.json` is page N."""
    if rest == "index.json":
        return 1
    parts = rest.split("/")
    if len(parts) == 3 and parts[0] == "page" and parts[2] == "index.json":
        number = parts[1]
        if number.isascii() and number.isdigit() and not number.startswith("0"):
            return int(number)
    return None


def document(catalog: Catalog, site: Site, path: str) -> object | None:
    """The document at `path` (relative to the base path), or None when there is none."""
    if path == TOPICS_INDEX:
        return topics_index(catalog)
    if not path.startswith("news/"):
        return None
    found = listing(catalog, path.removeprefix("news/"))
    if found is None:
        return None
    topic, rest = found
    number = _page_number(rest)
    if number is None or number > page_count(catalog, topic, site):
        return None
    return listing_page(catalog, topic, number, site)
