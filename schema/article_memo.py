"""Serialised articles remembered per plan and catalog snapshot, within one byte budget that
all plans share."""

from __future__ import annotations

import weakref
from collections.abc import Hashable

import orjson

# Enough for every article and its edge in each of a few URL preferences at 10k articles:
# a front end paging from any article in any preference meets each of them again.
ARTICLES_PER_PLAN = 65_536
# Serialised articles and edges remembered over all plans, each counted with what keeping it
# costs besides its bytes; one article's part larger than a 64th of this (deeply nested
# similar articles, say) is not remembered at all.
ARTICLE_MEMO_BYTES = 64 * 1024 * 1024
# A remembered entry's keeping beyond its bytes, measured with `sys.getsizeof`: its dict
# slot, key tuple and the bytes (or fragment) object's header; rounded up.
ENTRY_BYTES = 200
ArticleKey = tuple[int, Hashable, str]


class MemoBudget:
    """The bytes of serialised articles that all plans' memos may hold together."""

    def __init__(self, max_bytes: int = ARTICLE_MEMO_BYTES) -> None:
        self.max_bytes = max_bytes
        self.used = 0


class _Tally:
    """What one memo holds of the budget; given back when the memo is cleared or dropped
    (with its plan, or with its catalog snapshot)."""

    __slots__ = ("budget", "size")

    def __init__(self, budget: MemoBudget) -> None:
        self.budget = budget
        self.size = 0

    def release(self) -> None:
        self.budget.used -= self.size
        self.size = 0


class ArticleMemo:
    """One plan's serialised articles and edges for one catalog snapshot, within the shared
    budget.

    Edges are kept in lanes, one per (selection, order, search, variable values): a lane
    maps an article's id to its serialised edge, so a page is a look-up per article and one
    join, with no key to build per edge. A lane counts as an entry, so that many searches
    cannot pile up empty lanes."""

    __slots__ = ("fragments", "lanes", "_entries", "_tally", "__weakref__")

    def __init__(self, budget: MemoBudget) -> None:
        self.fragments: dict[ArticleKey, orjson.Fragment] = {}
        self.lanes: dict[Hashable, dict[str, bytes]] = {}
        self._entries = 0
        self._tally = _Tally(budget)
        weakref.finalize(self, self._tally.release)

    def remember(self, key: ArticleKey, fragment: orjson.Fragment, size: int) -> None:
        if self._admit(size, 1):
            self.fragments[key] = fragment

    def remember_edge(self, lane: Hashable, article_id: str, serialised: bytes) -> None:
        if not self._admit(len(serialised), 1 if lane in self.lanes else 2):
            return
        edges = self.lanes.get(lane)
        if edges is None:  # new, or dropped just now to make room
            edges = self.lanes[lane] = {}
        edges[article_id] = serialised

    def _admit(self, size: int, entries: int) -> bool:
        """Make room for `size` bytes in `entries` more entries; False when there is none."""
        tally = self._tally
        budget = tally.budget
        if size > budget.max_bytes // 64:
            return False
        size += entries * ENTRY_BYTES
        if self._entries + entries > ARTICLES_PER_PLAN or budget.used + size > budget.max_bytes:
            self.fragments.clear()
            self.lanes.clear()
            self._entries = 0
            tally.release()
            if budget.used + size > budget.max_bytes:
                return False  # other plans hold the budget; this one runs without a memo for now
        self._entries += entries
        tally.size += size
        budget.used += size
        return True
