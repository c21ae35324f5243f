"""Feeds out: the newest articles, or one topic's, as JSON Feed 1.1, RSS 2.0 and Atom 1.0.

Each item carries what newsgraph's own `remote_feed` source reads back (docs/static-api.md
lists the mapping): the canonical URL, title, excerpt, publication time, topics as tags or
categories, images as `media:content` (RSS, Atom) or `image` (JSON Feed), and in RSS and Atom
the provider as the item's `<source>`. Nothing depends on the clock: a feed's own time is its
newest article's, so the same articles always give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from newsgraph.engine.model import Article
from newsgraph.engine.static_api import timestamp

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# A feed with no articles still needs a time of its own; this one never changes.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Format:
    """One feed format: the file it is written to and the media type it is served as."""

    name: str
    file: str
    media_type: str


JSON_FEED = Format("json", "feed.json", "application/feed+json")
RSS = Format("rss", "rss.xml", "application/rss+xml")
ATOM = Format("atom", "atom.xml", "application/atom+xml")
FORMATS = (JSON_FEED, RSS, ATOM)
BY_FILE = {format.file: format for format in FORMATS}


@dataclass(frozen=True, slots=True)
class Channel:
    """What a feed says about itself: its title, the site it belongs to, and its own URL."""

    title: str
    home: str
    url: str
    language: str


def _updated(articles: Sequence[Article]) -> datetime:
    moments = [a.updated_date_time or a.published_date_time for a in articles]
    return max(moments, default=_EPOCH)


def _provider_home(article: Article) -> str:
    return f"https://{article.provider.domain}/"


def json_feed(channel: Channel, articles: Sequence[Article]) -> bytes:
    """A JSON Feed 1.1 document."""
    items = []
    for article in articles:
        links = article.links
        item: dict[str, object] = {
            "id": links.canonical,
            "url": links.canonical,
            "title": article.title,
            "content_text": article.excerpt or article.title,
            "date_published": timestamp(article.published_date_time),
            "authors": [{"name": article.provider.name, "url": _provider_home(article)}],
        }
        if links.original_url and links.original_url != links.canonical:
            item["external_url"] = links.original_url
        if article.excerpt:
            item["summary"] = article.excerpt
        if article.updated_date_time is not None:
            item["date_modified"] = timestamp(article.updated_date_time)
        if article.images:
            item["image"] = article.images[0].url
        if article.topics:
            item["tags"] = list(article.topics)
        items.append(item)
    document = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.home,
        "feed_url": channel.url,
        "language": channel.language,
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def _generator(channel: Channel, articles: Sequence[Article]) -> FeedGenerator:
    feed = FeedGenerator()
    feed.load_extension("media")
    feed.id(channel.url)
    feed.title(channel.title)
    feed.description(channel.title)
    feed.language(channel.language)
    # RSS takes the channel's <link> from the last link given: the site, after the self link.
    feed.link(href=channel.url, rel="self")
    feed.link(href=channel.home, rel="alternate")
    updated = _updated(articles)
    feed.updated(updated)
    feed.lastBuildDate(updated)
    for article in articles:
        url = article.links.canonical
        entry = feed.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(article.title)
        entry.link(href=url)
        entry.published(article.published_date_time)
        entry.updated(article.updated_date_time or article.published_date_time)
        if article.excerpt:
            entry.summary(article.excerpt)
        for topic in article.topics:
            entry.category(term=topic, label=topic)
        entry.source(url=_provider_home(article), title=article.provider.name)
        for image in article.images:
            content = {"url": image.url, "medium": "image"}
            for side, value in (("width", image.width), ("height", image.height)):
                if value is not None:
                    content[side] = str(value)
            entry.media.content(content)
    return feed


def rss(channel: Channel, articles: Sequence[Article]) -> bytes:
    """An RSS 2.0 document."""
    body: bytes = _generator(channel, articles).rss_str(pretty=True)
    return body


def atom(channel: Channel, articles: Sequence[Article]) -> bytes:
    """An Atom 1.0 document."""
    body: bytes = _generator(channel, articles).atom_str(pretty=True)
    return body


RENDERERS = {JSON_FEED: json_feed, RSS: rss, ATOM: atom}
