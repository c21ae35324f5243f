"""The catalog: an immutable, indexed snapshot of the visible articles.

A reload builds a new catalog and swaps one reference, so a request never sees half a reload.
Every query starts from an index (topic, provider, type, or the whole newest-first order),
narrows it to a date range by bisection, and walks only as far as the page it needs.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from schema.model import Article, Provider, Topic
from schema.normalise import slug

# Newest first, then by id: a total order, so pages never overlap or skip.
SortKey = tuple[float, str]
_AFTER_EVERY_ID = "\U0010ffff"


def sort_key(article: Article) -> SortKey:
    return (-article.published_date_time.timestamp(), article.id)


class CursorError(ValueError):
    """A cursor that this server did not issue."""


def encode_cursor(key: SortKey) -> str:
    moment = datetime.fromtimestamp(-key[0], UTC).isoformat()
    return base64.urlsafe_b64encode(f"v1|{moment}|{key[1]}".encode()).decode()


def decode_cursor(cursor: str) -> SortKey:
    """The position a cursor names; it stays valid after a reload, even if its article left."""
    try:
        version, moment, article_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        when = datetime.fromisoformat(moment)
    except (ValueError, binascii.Error, UnicodeError):
        raise CursorError(f"invalid cursor {cursor!r}") from None
    if version != "v1" or when.tzinfo is None:
        raise CursorError(f"invalid cursor {cursor!r}")
    return (-when.timestamp(), article_id)


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    topic: str | None = None
    provider: str | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class TopicEntry:
    topic: Topic
    positions: Sequence[int]


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    provider: Provider
    positions: Sequence[int]


class Selection:
    """The articles matching a filter, newest first, read lazily page by page.

    `positions[start:stop]` are the candidates (positions in the catalog's order); `keep`,
    when given, is the check each candidate must also pass.
    """

    def __init__(
        self,
        catalog: Catalog,
        positions: Sequence[int],
        bounds: tuple[int, int],
        keep: Callable[[Article], bool] | None,
    ) -> None:
        self._catalog = catalog
        self._positions = positions
        self._start, self._stop = bounds
        self._keep = keep

    def count(self) -> int:
        if self._keep is None:
            return self._stop - self._start
        return sum(1 for _ in self._matching(self._start))

    def _matching(self, start: int) -> Iterator[Article]:
        order = self._catalog.order
        for index in range(start, self._stop):
            article = order[self._positions[index]]
            if self._keep is None or self._keep(article):
                yield article

    def page(self, first: int, after: SortKey | None = None) -> tuple[list[Article], bool]:
        """Up to `first` articles after the cursor key, and whether more follow."""
        start = self._start
        if after is not None:
            position = bisect_right(self._catalog.keys, after)
            start = bisect_left(self._positions, position, self._start, self._stop)
        articles: list[Article] = []
        for article in self._matching(start):
            if len(articles) == first:
                return articles, True
            articles.append(article)
        return articles, False


class Catalog:
    """Visible (published) articles with the indexes queries need, plus the topic taxonomy."""

    def __init__(self, articles: Iterable[Article], taxonomy: Iterable[Topic] = ()) -> None:
        everything = list(articles)
        self.order: tuple[Article, ...] = tuple(
            sorted((a for a in everything if a.published), key=sort_key)
        )
        self.drafts = len(everything) - len(self.order)
        self.keys: tuple[SortKey, ...] = tuple(sort_key(a) for a in self.order)
        self.by_id = {a.id: a for a in self.order}
        self.by_url: dict[str, Article] = {}
        for article in reversed(self.order):
            links = article.links
            for url in (
                links.cdn_amp_web_url,
                links.amp_web_url,
                links.original_url,
                links.web_url,
            ):
                if url:
                    self.by_url[url] = article
        self._topics = self._index_topics(taxonomy)
        self._topic_ids = {entry.topic.id.casefold(): key for key, entry in self._topics.items()}
        self._providers = self._index_providers()
        self._types: dict[str, list[int]] = {}
        for position, article in enumerate(self.order):
            self._types.setdefault(article.type, []).append(position)

    def _index_topics(self, taxonomy: Iterable[Topic]) -> dict[str, TopicEntry]:
        positions: dict[str, list[int]] = {}
        spelled: dict[str, str] = {}
        for position, article in enumerate(self.order):
            for name in article.topics:
                key = name.casefold()
                positions.setdefault(key, []).append(position)
                spelled.setdefault(key, name)
        entries = {
            topic.name.casefold(): TopicEntry(topic, positions.get(topic.name.casefold(), []))
            for topic in taxonomy
        }
        for key, name in spelled.items():
            if key not in entries:
                entries[key] = TopicEntry(
                    Topic(slug(name), name, in_taxonomy=False), positions[key]
                )
        return dict(sorted(entries.items()))

    def _index_providers(self) -> dict[str, ProviderEntry]:
        positions: dict[str, list[int]] = {}
        first_seen: dict[str, Provider] = {}
        for position, article in enumerate(self.order):
            domain = article.provider.domain
            positions.setdefault(domain, []).append(position)
            first_seen.setdefault(domain, article.provider)
        return {
            domain: ProviderEntry(first_seen[domain], positions[domain])
            for domain in sorted(positions)
        }

    def __len__(self) -> int:
        return len(self.order)

    def article(self, article_id: str) -> Article | None:
        return self.by_id.get(article_id)

    def article_by_url(self, url: str) -> Article | None:
        return self.by_url.get(url.strip())

    def topics(self) -> list[TopicEntry]:
        return list(self._topics.values())

    def topic(self, *, id: str | None = None, name: str | None = None) -> TopicEntry | None:
        """Look a topic up by its id (slug) or its name, both case-insensitive."""
        key = name.casefold() if name is not None else self._topic_ids.get((id or "").casefold())
        return None if key is None else self._topics.get(key)

    def providers(self) -> list[ProviderEntry]:
        return list(self._providers.values())

    def provider(self, domain: str) -> ProviderEntry | None:
        return self._providers.get(domain.strip().lower())

    def select(self, where: ArticleFilter) -> Selection:
        """The articles matching every given condition, newest first."""
        # Each condition has an index (positions) and an equivalent per-article check.
        conditions: list[tuple[Sequence[int], Callable[[Article], bool]]] = []
        if where.topic is not None:
            entry = self.topic(name=where.topic) or self.topic(id=where.topic)
            wanted = entry.topic.name.casefold() if entry else None
            conditions.append(
                (
                    entry.positions if entry else (),
                    lambda a: any(t.casefold() == wanted for t in a.topics),
                )
            )
        if where.provider is not None:
            provider = self.provider(where.provider)
            domain = where.provider.strip().lower()
            conditions.append(
                (provider.positions if provider else (), lambda a: a.provider.domain == domain)
            )
        if where.type is not None:
            kind = where.type.strip().lower()
            conditions.append((self._types.get(kind, ()), lambda a: a.type == kind))

        if not conditions:
            everything = range(len(self.order))
            return Selection(self, everything, self._within_dates(everything, where), None)
        # Walk the shortest index; the other conditions are checked article by article.
        conditions.sort(key=lambda condition: len(condition[0]))
        positions = conditions[0][0]
        bounds = self._within_dates(positions, where)
        checks = [check for _, check in conditions[1:]]
        if not checks:
            return Selection(self, positions, bounds, None)
        return Selection(self, positions, bounds, lambda a: all(check(a) for check in checks))

    def _within_dates(self, positions: Sequence[int], where: ArticleFilter) -> tuple[int, int]:
        """The slice of an index within `since`..`until` (both inclusive), by bisection."""
        low, high = 0, len(self.order)
        if where.until is not None:
            low = bisect_left(self.keys, (-where.until.timestamp(), ""))
        if where.since is not None:
            high = bisect_right(self.keys, (-where.since.timestamp(), _AFTER_EVERY_ID))
        return bisect_left(positions, low), bisect_left(positions, high)
