"""RSS 2.0 and Atom 1.0, read by feedparser, which gives both one shape: one mapping serves
both, and docs/sources.md lists the elements each field comes from.

The document reaches feedparser only after `safe_xml` has accepted it as well-formed and free
of entity declarations, so feedparser never falls back to its lenient parser for broken XML
and never has anything to recover from.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser

import feedparser

from newsgraph.plugin_api import RawRecord
from newsgraph.plugins.remote_feed.page import Context, Page, domain, feed_provider

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 "
    "h6 header hr li main nav ol p pre section table td th tr ul".split()
)


def read(body: bytes, format: str, context: Context) -> Page:
    """The feed's entries as raw records; `format` is `rss` or `atom`."""
    # The XML declaration decides the encoding. feedparser resolves relative links against
    # the document's URL, as a browser would; with a `base_url` option it leaves them to the
    # normaliser, which puts them under that site URL (an `xml:base` still applies first).
    headers = {"content-type": "application/xml"}
    if context.site is None:
        headers["content-location"] = context.url
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    feed = parsed.get("feed", {})
    image = feed.get("image", {}).get("href") or feed.get("icon") or feed.get("logo")
    provider = feed_provider(context, _title(feed), feed.get("link"), image)
    element = "item" if format == "rss" else "entry"
    base_url = context.base_url
    records = tuple(
        RawRecord(record(entry, provider), context.origin(f"{element}[{index}]"), base_url=base_url)
        for index, entry in enumerate(parsed.get("entries", []))
    )
    return Page(format, records)


def record(entry: Mapping[str, object], provider: Mapping[str, object]) -> dict[str, object]:
    """One RSS item or Atom entry, as feedparser gives it, in front-matter shape."""
    data = {
        "title": _title(entry),
        "webUrl": entry.get("link"),
        "publishedDateTime": _published(entry),
        "excerpt": _summary(entry),
        "topics": [
            tag.get("label") or tag.get("term")
            for tag in _list(entry.get("tags"))
            if tag.get("label") or tag.get("term")
        ],
        "images": _images(entry),
        "provider": _source(entry.get("source")) or dict(provider),
    }
    return {key: value for key, value in data.items() if value not in (None, [])}


def _title(node: Mapping[str, object]) -> str | None:
    detail = node.get("title_detail")
    title = node.get("title")
    if not isinstance(title, str):
        return None
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    return text(title) if kind in HTML_TYPES else title.strip()


def _summary(entry: Mapping[str, object]) -> str | None:
    # Only a real summary: feedparser copies an entry's full content into `summary` when the
    # entry has no summary of its own, and an article body is not an excerpt.
    detail = entry.get("summary_detail")
    if not isinstance(detail, Mapping) or not isinstance(detail.get("value"), str):
        return None
    value = str(detail["value"])
    return text(value) if detail.get("type") in HTML_TYPES else value.strip()


def _published(entry: Mapping[str, object]) -> str | None:
    for key in ("published", "updated"):
        if entry.get(key) is None:
            continue
        parsed = entry.get(f"{key}_parsed")
        if isinstance(parsed, time.struct_time):
            return datetime(*parsed[:6], tzinfo=UTC).isoformat()
        # feedparser could not read it; pass it on so that the normaliser names the bad value.
        return str(entry[key])
    return None


def _images(entry: Mapping[str, object]) -> list[dict[str, object]]:
    """Full-size media first, then image enclosures, then thumbnails; each URL once."""
    content = [m for m in _list(entry.get("media_content")) if _is_image(m)]
    enclosures = [{"url": e.get("href")} for e in _list(entry.get("enclosures")) if _is_image(e)]
    found: dict[str, dict[str, object]] = {}
    for media in content + enclosures + _list(entry.get("media_thumbnail")):
        if media.get("url"):
            found.setdefault(str(media["url"]), _image(media))
    return list(found.values())


def _is_image(media: Mapping[str, object]) -> bool:
    return media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")


def _image(media: Mapping[str, object]) -> dict[str, object]:
    image = {"url": media["url"]}
    for side in ("width", "height"):
        value = str(media.get(side) or "").strip()
        if value:
            # A size that is not a whole number is passed on for the normaliser to report.
            image[side] = int(value) if value.isdigit() else value
    return image


def _source(value: object) -> dict[str, object] | None:
    """The provider an item names itself: RSS `<source url>`, Atom `<source>`."""
    if not isinstance(value, Mapping):
        return None
    name = _title(value)
    host = domain(str(value.get("link") or value.get("href") or "") or None)
    if not name or not host:
        return None
    return {"name": name, "domain": host}


def _list(value: object) -> list[Mapping[str, object]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text(html: str) -> str:
    """HTML as plain text: tags dropped, entities decoded, white space collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())
