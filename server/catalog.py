"""The catalog: an immutable, indexed snapshot of the articles a request may see.

A reload builds a new catalog and swaps one reference, so a request never sees half a reload.
Every query starts from an index (topic, provider, type, status, search hits, or the whole
newest-first order), narrows it to a date range by bisection, and walks only as far as the page
it needs. Orders other than newest-first are sorted once per filter and kept in a small cache.
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from schema.model import Article, Provider, Topic
from schema.normalise import slug
from server.search import SearchIndex
from server.selection import (
    NEWEST_FIRST,
    ArticleFilter,
    Indexed,
    Order,
    Selection,
    SortField,
    SortKey,
    Visibility,
    complete,
    composite_key,
    sort_values,
)

_SORTED_CACHE_SIZE = 64
_CURSOR_MEMOS = 16


def sort_key(article: Article) -> SortKey:
    """The key of the catalog's own order: newest first, then by id."""
    return ((0, -article.published_date_time.timestamp()), article.id)


class SearchUnavailable(ValueError):
    """Relevance was asked for without a search."""


@dataclass(frozen=True, slots=True)
class TopicEntry:
    topic: Topic
    positions: Sequence[int]


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    provider: Provider
    positions: Sequence[int]


T = TypeVar("T")
K = TypeVar("K")


class _Picked(Generic[T]):
    """`values[positions[i]]` as a sequence, without copying."""

    __slots__ = ("_values", "_positions")

    def __init__(self, values: Sequence[T], positions: Sequence[int]) -> None:
        self._values = values
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index: int) -> T:
        return self._values[self._positions[index]]


# One condition of a filter: the positions that can match (None: any), and the check each
# article must pass when the walk is driven by another condition's positions.
_Condition = tuple[Sequence[int] | None, Callable[[Article], bool]]


class Catalog:
    """Articles with the indexes queries need, plus the topic taxonomy.

    A public catalog holds published articles only; a preview catalog (`preview=True`) holds
    drafts too, and its queries show drafts only when their filter asks.
    """

    def __init__(
        self,
        articles: Iterable[Article],
        taxonomy: Iterable[Topic] = (),
        *,
        preview: bool = False,
    ) -> None:
        everything = list(articles)
        self.preview = preview
        self.order: tuple[Article, ...] = tuple(
            sorted((a for a in everything if preview or a.published), key=sort_key)
        )
        self.drafts = sum(1 for a in everything if not a.published)
        self._hidden = () if preview else tuple(a for a in everything if not a.published)
        self._taxonomy = tuple(taxonomy)
        self._preview: Catalog | None = None
        self.keys: tuple[SortKey, ...] = tuple(sort_key(a) for a in self.order)
        self.by_id = {a.id: a for a in self.order}
        self.position = {a.id: position for position, a in enumerate(self.order)}
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
        self._topics = self._index_topics(self._taxonomy)
        self._topic_ids = {entry.topic.id.casefold(): key for key, entry in self._topics.items()}
        self._children = self._index_children()
        self._providers = self._index_providers()
        self._types = self._index(lambda a: a.type)
        self._status = self._index(lambda a: a.published)
        self._search: SearchIndex | None = None
        self._lock = threading.Lock()
        self._preview_lock = threading.Lock()
        self._search_lock = threading.Lock()
        self._searches: OrderedDict[str, Mapping[str, float]] = OrderedDict()
        self._cursor_memos: dict[tuple[Order, ...], dict[str, str]] = {}
        self._sorted: OrderedDict[object, tuple[list[Article], list[SortKey]]] = OrderedDict()

    def _index(self, attribute: Callable[[Article], K]) -> dict[K, list[int]]:
        index: dict[K, list[int]] = {}
        for position, article in enumerate(self.order):
            index.setdefault(attribute(article), []).append(position)
        return index

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

    def _index_children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for key, entry in self._topics.items():
            parent = self._topic_key(entry.topic.parent) if entry.topic.parent else None
            if parent is not None and parent != key:
                children.setdefault(parent, []).append(key)
        return children

    def _index_providers(self) -> dict[str, ProviderEntry]:
        positions = self._index(lambda a: a.provider.domain)
        first_seen: dict[str, Provider] = {}
        for article in self.order:
            first_seen.setdefault(article.provider.domain, article.provider)
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

    def _topic_key(self, name_or_id: str) -> str | None:
        key = name_or_id.casefold()
        return key if key in self._topics else self._topic_ids.get(key)

    def topic(self, *, id: str | None = None, name: str | None = None) -> TopicEntry | None:
        """Look a topic up by its id (slug) or its name, both case-insensitive."""
        key = name.casefold() if name is not None else self._topic_ids.get((id or "").casefold())
        return None if key is None else self._topics.get(key)

    def parent(self, entry: TopicEntry) -> TopicEntry | None:
        key = self._topic_key(entry.topic.parent) if entry.topic.parent else None
        return None if key is None else self._topics[key]

    def children(self, entry: TopicEntry) -> list[TopicEntry]:
        return [self._topics[k] for k in self._children.get(entry.topic.name.casefold(), [])]

    def _topic_family(self, name_or_id: str, subtopics: bool) -> set[str]:
        """The keys of a topic (by name or id) and, when asked, of all its descendants."""
        key = self._topic_key(name_or_id)
        if key is None:
            return set()
        family, pending = {key}, [key]
        while subtopics and pending:
            for child in self._children.get(pending.pop(), []):
                if child not in family:
                    family.add(child)
                    pending.append(child)
        return family

    def providers(self) -> list[ProviderEntry]:
        return list(self._providers.values())

    def provider(self, domain: str) -> ProviderEntry | None:
        return self._providers.get(domain.strip().lower())

    @property
    def search_index(self) -> SearchIndex:
        """The full-text index, built on first use and then shared by every request."""
        with self._search_lock:
            if self._search is None:
                self._search = SearchIndex(self.order)
            return self._search

    def with_drafts(self) -> Catalog:
        """The preview catalog of the same snapshot, built on first use."""
        if self.preview:
            return self
        with self._preview_lock:
            if self._preview is None:
                self._preview = Catalog(
                    (*self.order, *self._hidden),
                    self._taxonomy,
                    preview=True,
                )
            return self._preview

    def select(self, where: ArticleFilter, orders: Sequence[Order] = ()) -> Selection:
        """The articles matching every condition of `where`, sorted by `orders` (default:
        relevance when searching, else newest first), ties broken by newest first, then id."""
        scores = self._scores(where.search) if where.search is not None else None
        if not orders:
            orders = (Order(SortField.RELEVANCE),) if scores is not None else NEWEST_FIRST
        if scores is None and any(order.field is SortField.RELEVANCE for order in orders):
            raise SearchUnavailable("sorting by RELEVANCE needs a search in the filter")
        orders = complete(orders)
        items, keys, bounds, keep = self._matching(where, scores)
        if orders == NEWEST_FIRST:
            return Selection(items, keys, bounds, keep, orders, scores, self._cursors(orders))
        ordered, ordered_keys = self._sorted_matches(where, orders, scores)
        cursors = None if scores is not None else self._cursors(orders)
        return Selection(ordered, ordered_keys, (0, len(ordered)), None, orders, scores, cursors)

    def _cursors(self, orders: tuple[Order, ...]) -> dict[str, str] | None:
        """The memo of cursors for one order (without relevance, a cursor depends only on the
        article and the order); the first few orders asked for get one."""
        memo = self._cursor_memos.get(orders)
        if memo is None and len(self._cursor_memos) < _CURSOR_MEMOS:
            memo = self._cursor_memos.setdefault(orders, {})
        return memo

    def _scores(self, search: str) -> Mapping[str, float]:
        """The search's hits and scores; recent searches are remembered, as paging through
        results asks for the same search again and again."""
        with self._lock:
            if (cached := self._searches.get(search)) is not None:
                self._searches.move_to_end(search)
                return cached
        scores = self.search_index.match(search)
        with self._lock:
            self._searches[search] = scores
            while len(self._searches) > _SORTED_CACHE_SIZE:
                self._searches.popitem(last=False)
        return scores

    def _sorted_matches(
        self, where: ArticleFilter, orders: tuple[Order, ...], scores: Mapping[str, float] | None
    ) -> tuple[list[Article], list[SortKey]]:
        cache_key = (where, orders)
        with self._lock:
            if (cached := self._sorted.get(cache_key)) is not None:
                self._sorted.move_to_end(cache_key)
                return cached
        items, keys, bounds, keep = self._matching(where, scores)
        found = Selection(items, keys, bounds, keep, NEWEST_FIRST)

        def key(article: Article) -> SortKey:
            score = None if scores is None else scores.get(article.id)
            return composite_key(sort_values(article, orders, score), orders, article.id)

        pairs = sorted(((key(a), a) for a in found), key=lambda pair: pair[0])
        result = ([a for _, a in pairs], [k for k, _ in pairs])
        with self._lock:
            self._sorted[cache_key] = result
            while len(self._sorted) > _SORTED_CACHE_SIZE:
                self._sorted.popitem(last=False)
        return result

    def _matching(
        self, where: ArticleFilter, scores: Mapping[str, float] | None
    ) -> tuple[
        Indexed[Article], Indexed[SortKey], tuple[int, int], Callable[[Article], bool] | None
    ]:
        """The newest-first candidates, the date-bounded slice of them, and the check the
        candidates must also pass."""
        conditions = self._conditions(where, scores)
        indexed = [c for c in conditions if c[0] is not None]
        if indexed:
            # Walk the shortest index; every other condition is checked article by article.
            driver = min(indexed, key=lambda condition: len(condition[0] or ()))
            positions = driver[0] or ()
            checks = [check for c in conditions if c is not driver for _, check in [c]]
            items: Indexed[Article] = _Picked(self.order, positions)
            keys: Indexed[SortKey] = _Picked(self.keys, positions)
        else:
            positions = range(len(self.order))
            checks = [check for _, check in conditions]
            items, keys = self.order, self.keys
        bounds = self._within_dates(positions, where)
        if not checks:
            return items, keys, bounds, None
        if len(checks) == 1:
            return items, keys, bounds, checks[0]
        return items, keys, bounds, lambda a: all(check(a) for check in checks)

    def _conditions(
        self, where: ArticleFilter, scores: Mapping[str, float] | None
    ) -> list[_Condition]:
        conditions: list[_Condition] = []
        # A public catalog holds no drafts, so only a preview catalog needs the status index.
        if where.visibility is Visibility.DRAFT or (
            where.visibility is Visibility.PUBLISHED and self.preview
        ):
            wanted = where.visibility is Visibility.PUBLISHED
            conditions.append((self._status.get(wanted, []), lambda a: a.published == wanted))
        for name in where.topics_all:
            conditions.append(self._topics_condition((name,), where.include_subtopics))
        if where.topics_any:
            conditions.append(self._topics_condition(where.topics_any, where.include_subtopics))
        if where.topics_none:
            excluded = self._topic_names(where.topics_none, where.include_subtopics)
            conditions.append((None, lambda a: not any(t.casefold() in excluded for t in a.topics)))
        if where.providers is not None:
            domains = {d.strip().lower() for d in where.providers}
            conditions.append(
                (
                    self._union(
                        self._providers[d].positions for d in domains if d in self._providers
                    ),
                    lambda a: a.provider.domain in domains,
                )
            )
        if where.types is not None:
            kinds = {t.strip().lower() for t in where.types}
            conditions.append(
                (
                    self._union(self._types[k] for k in kinds if k in self._types),
                    lambda a: a.type in kinds,
                )
            )
        for attribute, (low, high) in (("quality", where.quality), ("heat", where.heat)):
            if low is not None or high is not None:
                conditions.append((None, _in_range(attribute, low, high)))
        if where.has_amp is not None:
            has_amp = where.has_amp
            conditions.append(
                (None, lambda a: bool(a.links.amp_web_url or a.links.cdn_amp_web_url) == has_amp)
            )
        if scores is not None:
            position = self.position
            conditions.append(
                (sorted(position[i] for i in scores if i in position), lambda a: a.id in scores)
            )
        return conditions

    def _topic_names(self, names: Iterable[str], subtopics: bool) -> set[str]:
        return set().union(*(self._topic_family(name, subtopics) for name in names))

    def _topics_condition(self, names: Sequence[str], subtopics: bool) -> _Condition:
        wanted = self._topic_names(names, subtopics)
        positions = self._union(self._topics[key].positions for key in sorted(wanted))
        return positions, lambda a: any(t.casefold() in wanted for t in a.topics)

    @staticmethod
    def _union(indexes: Iterable[Sequence[int]]) -> Sequence[int]:
        lists = list(indexes)
        if len(lists) == 1:
            return lists[0]
        merged: list[int] = []
        for position in heapq.merge(*lists):
            if not merged or merged[-1] != position:
                merged.append(position)
        return merged

    def _within_dates(self, positions: Sequence[int], where: ArticleFilter) -> tuple[int, int]:
        """The slice of an index within `since`..`until` (both inclusive), by bisection."""
        low, high = 0, len(self.order)
        if where.until is not None:
            low = bisect_left(self.keys, ((0, -where.until.timestamp()),))
        if where.since is not None:
            high = bisect_right(self.keys, ((0, -where.since.timestamp()), _AFTER_EVERY_ID))
        return bisect_left(positions, low), bisect_left(positions, high)


_AFTER_EVERY_ID = "\U0010ffff"


def _in_range(attribute: str, low: int | None, high: int | None) -> Callable[[Article], bool]:
    """Articles whose `attribute` is known and within `low`..`high` (inclusive)."""

    def check(article: Article) -> bool:
        value: int | None = getattr(article, attribute)
        if value is None:
            return False
        return (low is None or value >= low) and (high is None or value <= high)

    return check
