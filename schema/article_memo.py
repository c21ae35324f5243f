"""Serialised articles remembered per plan and catalog snapshot, within one byte budget that
all plans share."""

from __future__ import annotations

import weakref
from collections.abc import Hashable

import orjson

ARTICLES_PER_PLAN = 4096
# Serialised articles remembered over all plans; one article's part larger than a 64th of
# this (deeply nested similar articles, say) is not remembered at all.
ARTICLE_MEMO_BYTES = 64 * 1024 * 1024
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
    """One plan's serialised articles for one catalog snapshot, within the shared budget."""

    __slots__ = ("fragments", "_tally", "__weakref__")

    def __init__(self, budget: MemoBudget) -> None:
        self.fragments: dict[ArticleKey, orjson.Fragment] = {}
        self._tally = _Tally(budget)
        weakref.finalize(self, self._tally.release)

    def remember(self, key: ArticleKey, fragment: orjson.Fragment, size: int) -> None:
        tally = self._tally
        budget = tally.budget
        if size > budget.max_bytes // 64:
            return
        if len(self.fragments) >= ARTICLES_PER_PLAN or budget.used + size > budget.max_bytes:
            self.fragments.clear()
            tally.release()
            if budget.used + size > budget.max_bytes:
                return  # other plans hold the budget; this one runs without a memo for now
        self.fragments[key] = fragment
        tally.size += size
        budget.used += size
