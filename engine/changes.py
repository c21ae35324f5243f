"""What changed between two catalogs, as a filter sees it: the events of `articleChanges`.

An article "added" to a filter is one that matches it now and did not before (new, or edited
into the filter); "removed" is the reverse (deleted, or edited out of it), and "updated" is
one that matches both times and changed. The same filter semantics as queries, because it is
the same `Catalog.matching`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from enum import Enum

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.model import Article
from newsgraph.engine.selection import ArticleFilter


class ChangeKind(Enum):
    ADDED = "added"
    UPDATED = "updated"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class ArticleChange:
    """One article's change; a removed article is given as it was last seen."""

    kind: ChangeKind
    article: Article


_Touched = tuple[weakref.ref[Catalog], weakref.ref[Catalog], frozenset[str]]
# The last few catalog pairs compared: every subscriber steps over the same pairs. Weak
# references, so that remembering a comparison never keeps an old snapshot alive.
_touched: list[_Touched] = []
_REMEMBERED = 4


def touched(old: Catalog, new: Catalog) -> frozenset[str]:
    """The ids of articles added, removed or changed from `old` to `new`."""
    for was, now, ids in _touched:
        if was() is old and now() is new:
            return ids
    before, after = old.by_id, new.by_id
    found = set(before.keys() ^ after.keys())
    for article_id, article in after.items():
        previous = before.get(article_id)
        if previous is not None and previous is not article and previous != article:
            found.add(article_id)
    ids = frozenset(found)
    _touched.insert(0, (weakref.ref(old), weakref.ref(new), ids))
    del _touched[_REMEMBERED:]
    return ids


def changes(old: Catalog, new: Catalog, where: ArticleFilter) -> list[ArticleChange]:
    """The changes from `old` to `new` that `where` sees, newest article first."""
    ids = touched(old, new)
    if not ids:
        return []
    before, after = old.matching(where, ids), new.matching(where, ids)
    found: list[ArticleChange] = []
    for article_id in before | after:
        if article_id in after:
            kind = ChangeKind.UPDATED if article_id in before else ChangeKind.ADDED
            found.append(ArticleChange(kind, new.by_id[article_id]))
        else:
            found.append(ArticleChange(ChangeKind.REMOVED, old.by_id[article_id]))
    found.sort(
        key=lambda change: (-change.article.published_date_time.timestamp(), change.article.id)
    )
    return found
