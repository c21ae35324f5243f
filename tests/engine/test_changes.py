"""`changes`: what a filter sees change between two catalogs, with query semantics."""

from __future__ import annotations

from dataclasses import replace

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.changes import ChangeKind, changes, touched
from newsgraph.engine.selection import ArticleFilter
from tests.engine.test_catalog import make

AI = ArticleFilter(topics_any=("AI",))


def kinds(found: list[object]) -> list[tuple[str, str]]:
    return [(c.kind.name, c.article.title) for c in found]  # type: ignore[attr-defined]


def test_added_updated_and_removed_as_the_filter_sees_them() -> None:
    kept, edited, leaving, moving_in, moving_out = (
        make(1, topics=("AI",)),
        make(2, topics=("AI",)),
        make(3, topics=("AI",)),
        make(4, topics=("Space",)),
        make(5, topics=("AI",)),
    )
    old = Catalog([kept, edited, leaving, moving_in, moving_out])
    new = Catalog(
        [
            kept,
            replace(edited, title="Edited"),
            replace(moving_in, topics=("AI",)),
            replace(moving_out, topics=("Space",)),
            make(6, topics=("AI",)),
            make(7, topics=("Space",)),
        ]
    )
    assert kinds(changes(old, new, AI)) == [
        ("ADDED", "Article 6"),
        ("REMOVED", "Article 5"),
        ("ADDED", "Article 4"),
        ("REMOVED", "Article 3"),
        ("UPDATED", "Edited"),
    ]
    everything = kinds(changes(old, new, ArticleFilter()))
    assert ("ADDED", "Article 7") in everything and ("UPDATED", "Article 5") in everything


def test_equal_articles_are_not_changes() -> None:
    article = make(1, topics=("AI",))
    old, new = Catalog([article]), Catalog([replace(article)])
    assert touched(old, new) == frozenset()
    assert changes(old, new, AI) == []


def test_a_search_filter_matches_like_a_query() -> None:
    old = Catalog([make(1, title="Solar panels")])
    new = Catalog([make(1, title="Solar panels"), make(2, title="Wind farms")])
    found = changes(old, new, ArticleFilter(search="wind"))
    assert [(c.kind, c.article.title) for c in found] == [(ChangeKind.ADDED, "Wind farms")]
    assert changes(old, new, ArticleFilter(search="solar")) == []
