"""A filter's matches in the catalog, and the small structures that keep them cheap: views of
an index, remembered results, and a search's hits with their ranking."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar

from newsgraph.engine import bitset
from newsgraph.engine.model import Article
from newsgraph.engine.search import SearchIndex
from newsgraph.engine.selection import (
    BY_RELEVANCE,
    Cursors,
    Facets,
    Indexed,
    Order,
    Selection,
    SortKey,
    complete,
)

K = TypeVar("K")
T = TypeVar("T")
SNIPPETS_PER_SEARCH = 1000


class Recent(Generic[K, T]):
    """The most recently used results, up to `size` of them; safe to share between threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[K, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> T | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: K, value: T) -> T:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value


class Picked(Generic[T]):
    """`values[positions[i]]` as a sequence, without copying."""

    __slots__ = ("_values", "_positions")

    def __init__(self, values: Sequence[T], positions: Sequence[int]) -> None:
        self._values = values
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index: int) -> T:
        return self._values[self._positions[index]]


BEST_FIRST = complete(BY_RELEVANCE)


class SearchHits:
    """A search's hits: scores by id, the set of their positions, and their ranking, best
    first, ties newest first, then by id."""

    def __init__(
        self,
        order: Sequence[Article],
        keys: Sequence[SortKey],
        position: Mapping[str, int],
        ranked: dict[int, float],
    ) -> None:
        """`order` is the catalog's newest-first articles, `keys` their sort keys, `position`
        each id's place there, and `ranked` the positions of the hits with their scores, in
        the order of `SearchIndex.ranked`."""
        self.scores = Scores(order, position, ranked)
        self._positions = list(ranked)
        self.hits = bitset.from_positions(self._positions, len(order))
        self._items = Picked(order, self._positions)
        self._keys = RankedKeys(keys, self._positions, list(ranked.values()))
        self._snippets: dict[str, str | None] = {}

    def snippet(self, index: SearchIndex, search: str, article_id: str) -> str | None:
        snippets = self._snippets
        # One read, not a test and a read: another thread may clear the memo in between.
        try:
            return snippets[article_id]
        except KeyError:
            pass
        if len(snippets) >= SNIPPETS_PER_SEARCH:
            snippets.clear()
        found = snippets[article_id] = index.snippet(search, article_id)
        return found

    def ranked(self) -> tuple[Indexed[Article], Indexed[SortKey], Sequence[int]]:
        """The hits best first, with each one's sort key and catalog position."""
        return self._items, self._keys, self._positions


class Scores(Mapping[str, float]):
    """A search's scores by article id, read through the catalog's positions."""

    __slots__ = ("_order", "_position", "_by_position")

    def __init__(
        self, order: Sequence[Article], position: Mapping[str, int], by_position: dict[int, float]
    ) -> None:
        self._order = order
        self._position = position
        self._by_position = by_position

    def __getitem__(self, article_id: str) -> float:
        return self._by_position[self._position[article_id]]

    def __iter__(self) -> Iterator[str]:
        order = self._order
        return (order[position].id for position in self._by_position)

    def __len__(self) -> int:
        return len(self._by_position)


class RankedKeys:
    """The sort key of each hit in ranking order, made when read: a cursor's bisection reads
    a few dozen of them, so the first page of a search makes none of the others."""

    __slots__ = ("_keys", "_positions", "_scores")

    def __init__(self, keys: Sequence[SortKey], positions: Sequence[int], scores: Sequence[float]):
        self._keys = keys
        self._positions = positions
        self._scores = scores

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, index: int) -> SortKey:
        # The same key as `composite_key` gives for relevance, then newest first, then by id.
        return ((0, -self._scores[index]), *self._keys[self._positions[index]])


class Matches:
    """The newest-first matches of a filter, before any other order is applied: `items`
    within `bounds`, limited to `members` when that is given; `everything` makes the set of
    all the matches, and `count_facets` counts the facets of such a set."""

    def __init__(
        self,
        count_facets: Callable[[int], Facets],
        items: Indexed[Article],
        keys: Indexed[SortKey],
        bounds: tuple[int, int],
        members: int | None,
        everything: Callable[[], int],
    ) -> None:
        self._count_facets = count_facets
        self._items, self._keys, self._bounds = items, keys, bounds
        self._members = members
        self._everything = everything

    def selection(
        self,
        orders: tuple[Order, ...],
        scores: Mapping[str, float] | None,
        cursors: Cursors | None,
    ) -> Selection:
        return Selection(
            self._items,
            self._keys,
            self._bounds,
            orders,
            members=self._members,
            facets=self.facets,
            scores=scores,
            cursors=cursors,
        )

    def everything(self) -> int:
        """The set of every match's position."""
        return self._everything()

    def facets(self) -> Facets:
        return self._count_facets(self._everything())
