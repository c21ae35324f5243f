"""The catalog: an immutable, indexed snapshot of the articles a request may see.

A reload builds a new catalog and swaps one reference, so a request never sees half a reload.
Each indexed value (a topic, a provider, a type, a month...) has its positions in the
newest-first order, as a list and, on first use, as a bitset. A filter is the AND of its
conditions' bitsets within the date range found by bisection; a page walks the set bits only
as far as it needs, and counts and facets are bit counts. Other orders are sorted once per
filter and remembered; relevance walks the search's own ranking.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import TypeVar

from newsgraph.engine import bitset
from newsgraph.engine.matches import BEST_FIRST, Matches, Picked, Recent, SearchHits
from newsgraph.engine.model import Article, Provider, Topic
from newsgraph.engine.normalise import slug
from newsgraph.engine.search import SearchIndex
from newsgraph.engine.selection import (
    BY_RELEVANCE,
    NEWEST_FIRST,
    ArticleFilter,
    Cursors,
    Facets,
    Order,
    Selection,
    SortField,
    SortKey,
    Visibility,
    complete,
    composite_key,
    sort_key,
    sort_values,
)

_SORTED_CACHE_SIZE = 64
_CURSOR_MEMOS = 16
SNIPPETS_PER_SEARCH = 1000


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


K = TypeVar("K")


# One condition of a filter: makers of the positions it allows as an index, when it is one
# (None otherwise), and of the same positions as a set; each is made only when needed.
_Condition = tuple[Callable[[], Sequence[int]] | None, Callable[[], int]]


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
        shown = [a for a in everything if preview or a.published]
        # Each key computed once (a third of a build at 100k articles was computing them twice).
        unsorted = [sort_key(a) for a in shown]
        ranks = sorted(range(len(shown)), key=unsorted.__getitem__)
        self.order: tuple[Article, ...] = tuple(shown[i] for i in ranks)
        self.drafts = sum(1 for a in everything if not a.published)
        self._hidden = () if preview else tuple(a for a in everything if not a.published)
        self._taxonomy = tuple(taxonomy)
        self._preview: Catalog | None = None
        self.keys: tuple[SortKey, ...] = tuple(unsorted[i] for i in ranks)
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
        # Topics and providers are indexed above; other attributes on first use (`_values`).
        self._indexes: dict[str, Mapping[object, Sequence[int]]] = {
            "topic": {key: entry.positions for key, entry in self._topics.items()},
            "provider": {domain: e.positions for domain, e in self._providers.items()},
        }
        self._masks: dict[tuple[str, object], int] = {}
        self._search: SearchIndex | None = None
        self._preview_lock = threading.Lock()
        self._search_lock = threading.Lock()
        self._searches: Recent[str, SearchHits] = Recent(_SORTED_CACHE_SIZE)
        self._cursor_memos: dict[tuple[Order, ...], Cursors] = {}
        self._sorted: Recent[object, tuple[list[Article], list[SortKey]]]
        self._sorted = Recent(_SORTED_CACHE_SIZE)

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

    @property
    def taxonomy(self) -> tuple[Topic, ...]:
        """The taxonomy's topics, in the order they were loaded."""
        return self._taxonomy

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

    def same_content(self, other: Catalog) -> bool:
        """Whether `other` holds exactly these articles, drafts and taxonomy: a rebuild that
        changed nothing."""
        return (
            self.order == other.order
            and self._hidden == other._hidden
            and self._taxonomy == other._taxonomy
        )

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
        found = self._search_hits(where.search) if where.search is not None else None
        scores = None if found is None else found.scores
        if not orders:
            orders = BY_RELEVANCE if scores is not None else NEWEST_FIRST
        if scores is None and any(order.field is SortField.RELEVANCE for order in orders):
            raise SearchUnavailable("sorting by RELEVANCE needs a search in the filter")
        orders = complete(orders)
        matching = self._matching(where, None if found is None else found.hits)
        if orders == NEWEST_FIRST:
            return matching.selection(orders, scores, self._cursors(orders))
        if found is not None and orders == BEST_FIRST:
            return self._ranked_selection(found, matching)
        ordered, ordered_keys = self._sorted_matches(where, orders, scores, matching)
        cursors = None if scores is not None else self._cursors(orders)
        return Selection(
            ordered,
            ordered_keys,
            (0, len(ordered)),
            orders,
            facets=matching.facets,
            scores=scores,
            cursors=cursors,
        )

    def matching(self, where: ArticleFilter, ids: Iterable[str]) -> set[str]:
        """Which of `ids` are articles of this catalog that `where` matches: what a query with
        that filter would list, without sorting or paging."""
        found = self._search_hits(where.search) if where.search is not None else None
        members = self._matching(where, None if found is None else found.hits).everything()
        position = self.position
        return {i for i in ids if (at := position.get(i)) is not None and members >> at & 1}

    def _cursors(self, orders: tuple[Order, ...]) -> Cursors | None:
        """The memo of cursors for one order (without relevance, a cursor depends only on the
        article and the order); the first few orders asked for get one."""
        memo = self._cursor_memos.get(orders)
        if memo is None and len(self._cursor_memos) < _CURSOR_MEMOS:
            memo = self._cursor_memos.setdefault(orders, Cursors())
        return memo

    def _search_hits(self, search: str) -> SearchHits:
        """The search's hits; recent searches are remembered, as paging through results asks
        for the same search again and again."""
        found = self._searches.get(search)
        if found is None:
            found = self._searches.put(
                search,
                SearchHits(self.order, self.keys, self.position, self.search_index.ranked(search)),
            )
        return found

    def snippet(self, search: str, article_id: str) -> str | None:
        """The highlighted snippet of one hit, remembered with the search's other results."""
        return self._search_hits(search).snippet(self.search_index, search, article_id)

    def _ranked_selection(self, found: SearchHits, matching: Matches) -> Selection:
        """Best first, walking the search's own ranking and keeping what the filter allows."""
        members = matching.everything()
        allowed = members.to_bytes((len(self) + 7) // 8, "little")
        ranked, keys, positions = found.ranked()

        def keep(index: int) -> bool:
            position = positions[index]
            return bool(allowed[position >> 3] >> (position & 7) & 1)

        return Selection(
            ranked,
            keys,
            (0, len(ranked)),
            BEST_FIRST,
            facets=matching.facets,
            keep=(keep, members.bit_count()),
            scores=found.scores,
        )

    def _sorted_matches(
        self,
        where: ArticleFilter,
        orders: tuple[Order, ...],
        scores: Mapping[str, float] | None,
        matching: Matches,
    ) -> tuple[list[Article], list[SortKey]]:
        cache_key = (where, orders)
        if (cached := self._sorted.get(cache_key)) is not None:
            return cached

        def key(article: Article) -> SortKey:
            score = None if scores is None else scores.get(article.id)
            return composite_key(sort_values(article, orders, score), orders, article.id)

        found = matching.selection(NEWEST_FIRST, None, None)
        pairs = sorted(((key(a), a) for a in found), key=lambda pair: pair[0])
        return self._sorted.put(cache_key, ([a for _, a in pairs], [k for k, _ in pairs]))

    def _matching(self, where: ArticleFilter, hits: int | None) -> Matches:
        """The newest-first matches: a whole index when one condition has one and nothing
        else filters, else the set of positions every condition allows."""
        low, high = self._within_dates(where)
        conditions = self._conditions(where, hits)
        dates = bitset.span(low, high)
        if not conditions:
            return Matches(self.facets, self.order, self.keys, (low, high), None, lambda: dates)
        index, mask = conditions[0]
        if len(conditions) == 1 and index is not None:
            positions = index()
            bounds = (bisect_left(positions, low), bisect_left(positions, high))
            items, keys = Picked(self.order, positions), Picked(self.keys, positions)
            return Matches(self.facets, items, keys, bounds, None, lambda: mask() & dates)
        members = dates
        for _, condition in conditions:
            members &= condition()
        return Matches(self.facets, self.order, self.keys, (low, high), members, lambda: members)

    def _conditions(self, where: ArticleFilter, hits: int | None) -> list[_Condition]:
        """Each condition as its index (when it is one) and the set of positions it allows."""
        conditions: list[_Condition] = []
        # A public catalog holds no drafts, so only a preview catalog needs the status index.
        if where.visibility is Visibility.DRAFT or (
            where.visibility is Visibility.PUBLISHED and self.preview
        ):
            wanted = where.visibility is Visibility.PUBLISHED
            conditions.append(self._index_condition("status", [wanted]))
        for name in where.topics_all:
            keys = sorted(self._topic_family(name, where.include_subtopics))
            conditions.append(self._index_condition("topic", keys))
        if where.topics_any:
            keys = sorted(self._topic_names(where.topics_any, where.include_subtopics))
            conditions.append(self._index_condition("topic", keys))
        if where.topics_none:
            keys = sorted(self._topic_names(where.topics_none, where.include_subtopics))
            excluded = self._index_condition("topic", keys)[1]
            everything = bitset.span(0, len(self))
            conditions.append((None, lambda: everything & ~excluded()))
        if where.providers is not None:
            domains = sorted({d.strip().lower() for d in where.providers})
            conditions.append(self._index_condition("provider", domains))
        if where.types is not None:
            kinds = sorted({t.strip().lower() for t in where.types})
            conditions.append(self._index_condition("type", kinds))
        for kind, (low, high) in (("quality", where.quality), ("heat", where.heat)):
            if low is not None or high is not None:
                values = [
                    value
                    for value in self._values(kind)
                    if isinstance(value, int)
                    and (low is None or value >= low)
                    and (high is None or value <= high)
                ]
                conditions.append((None, self._index_condition(kind, values)[1]))
        if where.has_amp is not None:
            conditions.append((None, self._index_condition("amp", [where.has_amp])[1]))
        if hits is not None:
            found = hits
            conditions.append((None, lambda: found))
        return conditions

    def _index_condition(self, kind: str, values: Sequence[object]) -> _Condition:
        """The articles whose `kind` is any of `values`."""

        def positions() -> Sequence[int]:
            return self._values(kind).get(values[0], ())

        def mask() -> int:
            found = 0
            for value in values:
                found |= self._mask(kind, value)
            return found

        # Only a single value's index can be walked as it is; a union would have to be merged
        # on every request, where the set needs no more than one OR per value.
        return (positions if len(values) == 1 else None), mask

    def _values(self, kind: str) -> Mapping[object, Sequence[int]]:
        """Each value of one indexed attribute, with the positions of the articles holding it."""
        index = self._indexes.get(kind)
        if index is None:
            attribute = _ATTRIBUTES[kind]
            index = self._indexes[kind] = self._index(attribute)
        return index

    def _mask(self, kind: str, value: object) -> int:
        found = self._masks.get((kind, value))
        if found is None:
            positions = self._values(kind).get(value)
            if positions is None:
                return 0  # not remembered: a client could ask for endless unknown values
            found = self._masks[kind, value] = bitset.from_positions(positions, len(self))
        return found

    def facets(self, members: int) -> Facets:
        """Counts over a set of positions by topic, provider, type and month."""

        def counts(kind: str, name: Callable[[object], str]) -> list[tuple[str, int]]:
            found = [
                (name(value), (members & self._mask(kind, value)).bit_count())
                for value in self._values(kind)
            ]
            return sorted(((v, c) for v, c in found if c), key=lambda item: (-item[1], item[0]))

        return Facets(
            topics=counts("topic", lambda key: self._topics[str(key)].topic.name),
            providers=counts("provider", str),
            types=counts("type", str),
            months=counts("month", str),
        )

    def _topic_names(self, names: Iterable[str], subtopics: bool) -> set[str]:
        return set().union(*(self._topic_family(name, subtopics) for name in names))

    def _within_dates(self, where: ArticleFilter) -> tuple[int, int]:
        """The positions within `since`..`until` (both inclusive), by bisection."""
        low, high = 0, len(self.order)
        if where.until is not None:
            low = bisect_left(self.keys, ((0, -where.until.timestamp()),))
        if where.since is not None:
            high = bisect_right(self.keys, ((0, -where.since.timestamp()), _AFTER_EVERY_ID))
        return low, max(low, high)  # `since` after `until` matches nothing


_AFTER_EVERY_ID = "\U0010ffff"


def _month(article: Article) -> str:
    return article.published_date_time.astimezone(UTC).strftime("%Y-%m")


# How each single-valued attribute is indexed on first use (topics are indexed up front).
_ATTRIBUTES: dict[str, Callable[[Article], object]] = {
    "provider": lambda a: a.provider.domain,
    "type": lambda a: a.type,
    "status": lambda a: a.published,
    "month": _month,
    "quality": lambda a: a.quality,
    "heat": lambda a: a.heat,
    "amp": lambda a: bool(a.links.amp_web_url or a.links.cdn_amp_web_url),
}
